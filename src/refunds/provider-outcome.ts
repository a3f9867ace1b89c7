import type { ProviderName, RequestOf } from './request';

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

export type PollOutcome = {
  readonly kind: 'succeeded';
  readonly providerRefundId: string;
  readonly amountMinor: number | null;
};

export interface SubmitInput<P extends ProviderName = ProviderName> {
  readonly request: RequestOf<P>;
  /** 1 for the first submission; a new one (new idempotency key) after a `retryLater` failure. */
  readonly submission: number;
}

export interface PollInput<P extends ProviderName = ProviderName> {
  readonly request: RequestOf<P>;
  readonly submission: number;
  readonly providerRefundId: string | null;
  /** The wait before the next read when this one finds the refund still pending. */
  readonly intervalMs: number;
  readonly jitter: number;
}

export interface ProviderFailureDetails {
  readonly provider: string;
  readonly code: string | undefined;
  readonly message: string | undefined;
}

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

/** Failure types that are not the provider's refusal but a question for a person. */
export const attentionFailureTypes: ReadonlySet<string> = new Set(['OutcomeUnknown', 'ProviderAuthFailed']);
