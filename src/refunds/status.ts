/**
 * The refund lifecycle as operators see it (`RefundStatus` search attribute, `state` query).
 * A status only ever moves forward in this order; the three final ones end the refund.
 */
export const refundStatuses = [
  'RECEIVED',
  'AWAITING_APPROVAL',
  'SUBMITTING',
  'PENDING_PROVIDER',
  'PENDING_REVIEW',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;

export type RefundStatus = (typeof refundStatuses)[number];

export const finalStatuses: ReadonlySet<RefundStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

const rank: Record<RefundStatus, number> = {
  RECEIVED: 0,
  AWAITING_APPROVAL: 1,
  SUBMITTING: 2,
  PENDING_PROVIDER: 3,
  PENDING_REVIEW: 3,
  SUCCEEDED: 4,
  FAILED: 4,
  CANCELLED: 4,
};

export function isFinal(status: RefundStatus): boolean {
  return finalStatuses.has(status);
}

/** Whether `to` is a legal next status after `from`: strictly forward, and never out of a final one. */
export function canMoveTo(from: RefundStatus, to: RefundStatus): boolean {
  return !isFinal(from) && rank[to] > rank[from];
}
