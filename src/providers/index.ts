import { z } from 'zod';

import type { ProviderProfile } from '../refunds/provider-profile';
import { parseRequestWith } from '../refunds/request';

import type { ProviderDefinition } from './definition';
import { providers } from './registry';

/**
 * What the provider registry gives the rest of the code, workflow-safe: the refund request (the
 * union of every provider's branch), provider names and profiles. Nothing here lists a provider.
 */
type Providers = typeof providers;
// Generic, so that they map the registry's tuple element by element.
type SchemasOf<T extends readonly ProviderDefinition[]> = {
  readonly [K in keyof T]: T[K] extends ProviderDefinition<string, infer S> ? S : never;
};
type NamesOf<T extends readonly ProviderDefinition[]> = {
  readonly [K in keyof T]: T[K] extends ProviderDefinition<infer N> ? N : never;
};

/**
 * A refund request as a backend sends it: the single definition of its shape, checked at every
 * boundary (client, HTTP API, CLI) before anything is started. One branch per provider, chosen by
 * `provider`.
 */
export const refundRequestSchema = z.discriminatedUnion(
  'provider',
  providers.map((p) => p.requestSchema) as unknown as SchemasOf<Providers>
);

/** A request after validation, defaults applied: what the workflow receives. */
export type RefundRequest = z.infer<typeof refundRequestSchema>;
/** What a caller may send (defaults not yet applied). */
export type RefundRequestInput = z.input<typeof refundRequestSchema>;
export type ProviderName = Providers[number]['name'];
export type RequestOf<P extends ProviderName> = Extract<RefundRequest, { provider: P }>;

export const providerNames = providers.map((p) => p.name) as unknown as NamesOf<Providers>;
/** A provider's name at a boundary (a list filter, a CLI argument). */
export const providerNameSchema = z.enum(providerNames);

const definitions: ReadonlyMap<string, ProviderDefinition> = new Map(providers.map((p) => [p.name, p]));

/** The definition of a provider the registry has; a name it lacks is a programming error. */
export function definitionOf(name: string): ProviderDefinition {
  const definition = definitions.get(name);
  if (definition === undefined) throw new Error(`no provider named ${name} is registered`);
  return definition;
}

/** The profile of a provider the registry has. */
export function profileOf(name: string): ProviderProfile {
  return definitionOf(name).profile;
}

/** Every profile by name, e.g. to check each against its adapter's settings. */
export function everyProfile(): readonly { readonly name: string; readonly profile: ProviderProfile }[] {
  return providers;
}

/** Validates a request at a boundary; throws `InvalidRefundRequestError` naming each bad field. */
export function parseRefundRequest(input: unknown): RefundRequest {
  return parseRequestWith(refundRequestSchema, input);
}
