import { z } from 'zod';

import { parseRequestWith } from '../refunds/request';

import type { ProviderDefinition } from './definition';
import { providers } from './registry';
import { requestSchemas } from './requests';

export { definitionOf, everyProfile, profileOf } from './lifecycle';

/**
 * What the provider registries give the rest of the code: the refund request (the union of every
 * provider's branch, from `requests.ts`), provider names and profiles (from `registry.ts`). Nothing
 * here lists a provider. Workflow code imports `./lifecycle` instead: this module evaluates zod.
 */
type Providers = typeof providers;
type NamesOf<T extends readonly ProviderDefinition[]> = {
  readonly [K in keyof T]: T[K] extends ProviderDefinition<infer N> ? N : never;
};

/**
 * A refund request as a backend sends it: the single definition of its shape, checked at every
 * boundary (client, HTTP API, CLI) before anything is started. One branch per provider, chosen by
 * `provider`.
 */
export const refundRequestSchema = z.discriminatedUnion('provider', requestSchemas);

/** A request after validation, defaults applied: what the workflow receives. */
export type RefundRequest = z.infer<typeof refundRequestSchema>;
/** What a caller may send (defaults not yet applied). */
export type RefundRequestInput = z.input<typeof refundRequestSchema>;
export type ProviderName = Providers[number]['name'];
export type RequestOf<P extends ProviderName> = Extract<RefundRequest, { provider: P }>;

export const providerNames = providers.map((p) => p.name) as unknown as NamesOf<Providers>;
/** A provider's name at a boundary (a list filter, a CLI argument). */
export const providerNameSchema = z.enum(providerNames);

// The two lists name the same providers, or a provider's line is missing from one of them: said by
// the compiler, and at load for a list a test changes at run time.
type RequestedName = (typeof requestSchemas)[number]['shape']['provider']['value'];
type SameNames<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const namesAgree: SameNames<RequestedName, ProviderName> = true;
void namesAgree;
{
  const requested = requestSchemas.map((schema) => schema.shape.provider.value).sort();
  const registered = [...providerNames].sort();
  if (requested.join() !== registered.join()) {
    throw new Error(
      `src/providers/requests.ts lists request schemas for ${requested.join(', ')} but registry.ts lists ${registered.join(', ')}: each provider needs its line in both`
    );
  }
}

/** Validates a request at a boundary; throws `InvalidRefundRequestError` naming each bad field. */
export function parseRefundRequest(input: unknown): RefundRequest {
  return parseRequestWith(refundRequestSchema, input);
}
