import type { Money } from './money';
import type { RefundRequestFields } from './request';

/** The event a backend receives at its `callbackUrl` when a refund ends. */
export interface CompletionEvent {
  /** Stable per refund and outcome: a receiver dedupes on it (deliveries may repeat). */
  readonly id: string;
  readonly type: 'refund.succeeded' | 'refund.failed' | 'refund.cancelled';
  readonly refundId: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  readonly provider: string;
  readonly paymentId: string;
  readonly amount: Money;
  readonly providerRefundId: string | null;
  readonly failure: {
    readonly type: string;
    readonly providerCode?: string | undefined;
    readonly providerMessage?: string | undefined;
  } | null;
  readonly occurredAt: string;
}

/** What a refund ended with, as its event tells it. */
export interface EndedRefund {
  readonly status: CompletionEvent['status'];
  readonly providerRefundId: string | null;
  readonly refundedAmountMinor?: number | null | undefined;
  readonly failure: CompletionEvent['failure'];
}

/** A refund's completion event: the amount is what moved, the provider's where it said one. */
export function completionEvent(
  request: RefundRequestFields,
  ended: EndedRefund,
  occurredAt: string,
  id = `evt_${request.refundId}_${ended.status.toLowerCase()}`
): CompletionEvent {
  const { status, providerRefundId, failure, refundedAmountMinor } = ended;
  return {
    id,
    type: `refund.${status.toLowerCase() as 'succeeded' | 'failed' | 'cancelled'}`,
    refundId: request.refundId,
    status,
    provider: request.provider,
    paymentId: request.paymentId,
    amount:
      refundedAmountMinor == null
        ? request.amount
        : { amountMinor: refundedAmountMinor, currency: request.amount.currency },
    providerRefundId,
    failure,
    occurredAt,
  };
}
