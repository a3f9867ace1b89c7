import { formatMoney } from './minor-units';
import type { RefundRequestFields } from './request';

/**
 * Whether a refund waits for a person's `approve` before it reaches the provider. Pure and
 * workflow-safe: the workflow asks, with the worker's thresholds (never the caller's).
 *
 * The amount judged is the amount that will move. For a partial refund, and for a full refund to a
 * provider that is sent the amount (`fullRefundMoves: 'stated'`), that is the request's amount. A
 * full refund to a provider that refunds "whatever is left" moves an amount nobody here can know
 * before it is sent (the caller's `amount` and `paymentAmount` are only its word), so wherever its
 * currency has a threshold it waits for approval. A currency without a threshold needs none.
 */
export interface ApprovalDecision {
  readonly needed: boolean;
  /** Why, in words, for the transition and the operator. */
  readonly reason: string;
}

export function approvalDecision(
  request: Pick<RefundRequestFields, 'full' | 'amount' | 'provider'>,
  fullRefundMoves: 'stated' | 'what-is-left',
  thresholdMinor: number | null
): ApprovalDecision {
  const { amountMinor, currency } = request.amount;
  if (thresholdMinor === null) return { needed: false, reason: `no approval threshold for ${currency}` };
  if (request.full && fullRefundMoves === 'what-is-left') {
    return {
      needed: true,
      reason:
        `a full refund: ${request.provider} refunds whatever is left of the payment, an amount not known ` +
        `before it is sent (approval threshold ${formatMoney(thresholdMinor, currency)})`,
    };
  }
  if (amountMinor > thresholdMinor) {
    return { needed: true, reason: `amount above the approval threshold (${formatMoney(thresholdMinor, currency)})` };
  }
  return { needed: false, reason: `within the approval threshold (${formatMoney(thresholdMinor, currency)})` };
}
