/**
 * What a provider's submit activity tells the workflow when it returns. Permanent failures are not
 * returned: they are thrown as non-retryable `ApplicationFailure`s whose `type` is one of
 * {@link refundFailureTypes} and whose first detail is a {@link ProviderFailureDetails}.
 */
export type SubmitOutcome =
  | { readonly kind: 'succeeded'; readonly providerRefundId: string; readonly amountMinor: number | null }
  | { readonly kind: 'pending'; readonly providerRefundId: string | null };

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
  'ProviderAuthFailed',
  'ProviderRejectedRequest',
  'ProviderResponseInvalid',
] as const;

export type RefundFailureType = (typeof refundFailureTypes)[number];
