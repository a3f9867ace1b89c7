import type { RefundRequestFields } from './request';

/**
 * The contract between the workflow and each provider's activities. Permanent failures are not
 * returned: they are thrown as non-retryable `ApplicationFailure`s whose `type` is one of
 * {@link refundFailureTypes} and whose first detail is a {@link ProviderFailureDetails}. A poll that
 * finds the refund still pending throws a retryable, benign `RefundPending` (so Temporal's retry
 * policy is the poll loop, and history does not grow with each read).
 */
export type SubmitOutcome =
  | { readonly kind: 'succeeded'; readonly providerRefundId: string; readonly amountMinor: number | null }
  | { readonly kind: 'pending'; readonly providerRefundId: string | null };

export type PollOutcome =
  | { readonly kind: 'succeeded'; readonly providerRefundId: string; readonly amountMinor: number | null }
  /** `find` only: our earlier attempt, found and not final yet. */
  | { readonly kind: 'pending'; readonly providerRefundId: string | null }
  /** `find` only: no record of our refund (yet). */
  | { readonly kind: 'not-found' }
  /** `reportHealthy` only: a good read after failed ones. */
  | { readonly kind: 'healthy' };

export interface SubmitInput<R extends RefundRequestFields = RefundRequestFields> {
  /** The refund's request: the provider's own branch of it, in that provider's activities. */
  readonly request: R;
  /** 1 for the first submission; a new one (new idempotency key) after a `retryLater` failure. */
  readonly submission: number;
  /**
   * An earlier try may have sent this submission though this activity's attempt is the first: it
   * was sent from a local activity in a workflow task that was never recorded (a worker died), so
   * it is treated as an attempt after the first. Absent: only the attempt number tells.
   */
  readonly afterEarlierAttempt?: boolean;
}

export interface PollInput<R extends RefundRequestFields = RefundRequestFields> {
  readonly request: R;
  readonly submission: number;
  readonly providerRefundId: string | null;
  /** The wait before the next read when this one finds the refund still pending. */
  readonly intervalMs: number;
  readonly jitter: number;
  /**
   * `watch` (the default): read the refund until it is final. `find`: look once for an earlier
   * attempt of ours whose answer was lost (by our reference), and say what was found. `recheck`:
   * read a transaction once more before a new submission replaces it.
   */
  readonly mode?: 'watch' | 'find' | 'recheck';
  /**
   * `report`: a read that fails (an answer that is not about the refund) ends the attempt with a
   * non-retryable `ProviderReadFailing`, so the workflow counts it. `retry` (the default): it is
   * retried at the cadence like a pending read.
   */
  readonly readErrors?: 'report' | 'retry';
  /** Return `healthy` at the first good read (after failed reads raised attention). */
  readonly reportHealthy?: boolean;
  /** When the refund's first request was sent (ISO-8601): a record older than it is not ours. */
  readonly firstRequestAt?: string;
  /** `find`: read again at the cadence while nothing is found, instead of saying so (one long activity). */
  readonly retryNotFound?: boolean;
  /**
   * The refund's workflow id, the root of its references, when the read runs in another workflow
   * (the watch after an operator's FAILED); else the running workflow's own id.
   */
  readonly refundWorkflowId?: string;
}

export type { ProviderFailureDetails } from './failures';

/** Stable `ApplicationFailure.type`s of permanent refund failures. */
export const refundFailureTypes = [
  'RefundDeclined',
  'AlreadyRefunded',
  'InvalidRefundAmount',
  'PartialRefundNotAllowed',
  'PaymentMethodNotRefundable',
  'PaymentNotFound',
  'RefundAlreadyRequested',
  'RefundBlockedByDispute',
  'RefundRejected',
  'InsufficientMerchantFunds',
  'ProviderTemporarilyDeclined',
  'ProviderAuthFailed',
  'ProviderRejectedRequest',
  'OutcomeUnknown',
] as const;

export type RefundFailureType = (typeof refundFailureTypes)[number];

/**
 * Failure types that are not the provider's refusal but a question for a person (read by the
 * frozen workflow of refunds started before the decision core; `ProviderReadFailing` reaches only
 * workflows that ask for it, listed so that it can never end one of those refunds).
 */
export const attentionFailureTypes: ReadonlySet<string> = new Set([
  'OutcomeUnknown',
  'ProviderAuthFailed',
  'ProviderReadFailing',
]);
