import type { z } from 'zod';

import type { ProviderProfile } from '../refunds/provider-profile';

/**
 * The workflow-safe part of a provider (its folder's `index.ts`): what the refund workflow and every
 * boundary (client, HTTP API, CLI) need to know of it. Plain data and zod schemas, nothing that
 * reaches the network, so the workflow bundle may import it.
 */
export interface ProviderDefinition<Name extends string = string, Schema extends z.ZodObject = z.ZodObject> {
  /** Lower case; the `provider` of its requests, its activities' prefix, its sandbox's path. */
  readonly name: Name;
  /**
   * Its branch of the refund request: `provider: z.literal(name)`, the common fields
   * (src/refunds/request-fields.ts) and what only this provider needs. The request a backend sends
   * is the union of every provider's branch.
   */
  readonly requestSchema: Schema;
  /** How the refund workflow drives its lifecycle (src/refunds/provider-profile.ts). */
  readonly profile: ProviderProfile;
  /**
   * A reference the caller chose for the refund at the provider (OpenPayd's `referenceNo`), if the
   * request carries one: the refund claims it before it is sent, so that it names one refund only.
   */
  callerReference?(request: z.output<Schema>): CallerReference | undefined;
}

export interface CallerReference {
  /** The request's field, for the refund's record. */
  readonly field: string;
  readonly value: string;
}

/** A provider's definition, with its name and request schema checked against each other. */
export function defineProvider<const Name extends string, Schema extends z.ZodObject>(
  definition: ProviderDefinition<Name, Schema> & (z.output<Schema> extends { provider: Name } ? unknown : never)
): ProviderDefinition<Name, Schema> {
  return definition;
}
