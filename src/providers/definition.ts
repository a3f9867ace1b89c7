import type { ProviderProfile } from '../refunds/provider-profile';

/**
 * The workflow-safe part of a provider (its folder's `index.ts`): what the refund workflow needs to
 * know of it. Plain data, and no zod: every module the workflow bundle imports is evaluated again
 * for each workflow a worker holds in its cache, and the request schemas there made a waiting
 * worker five times as large (bench `waiting`). The request schema is `request.ts`, listed in
 * `requests.ts` for the boundaries (client, HTTP API, CLI).
 */
export interface ProviderDefinition<Name extends string = string, Request = { readonly provider: string }> {
  /** Lower case; the `provider` of its requests, its activities' prefix, its sandbox's path. */
  readonly name: Name;
  /** How the refund workflow drives its lifecycle (src/refunds/provider-profile.ts). */
  readonly profile: ProviderProfile;
  /**
   * A reference the caller chose for the refund at the provider (OpenPayd's `referenceNo`), if the
   * request carries one: the refund claims it before it is sent, so that it names one refund only.
   */
  callerReference?(request: Request): CallerReference | undefined;
}

export interface CallerReference {
  /** The request's field, for the refund's record. */
  readonly field: string;
  readonly value: string;
}

/** A provider's definition; `Request` (its request's type, from `request.ts`) types `callerReference`. */
export function defineProvider<
  const Name extends string,
  Request extends { readonly provider: Name } = { readonly provider: Name },
>(definition: ProviderDefinition<Name, Request>): ProviderDefinition<Name, Request> {
  return definition;
}
