import { idempotencyKey } from '../idempotency';

/**
 * The `reference` of a GetPaid refund: `refund-<refundId>-refund-<submission>`, from the workflow id
 * and the step. A refundId has at most 64 characters, so it never needs hashing to fit GetPaid's
 * 100, and the webhook receiver can tell from a reference which refund an event belongs to.
 */
export function getpaidReference(workflowId: string, submission: number): string {
  return idempotencyKey(workflowId, `refund-${submission}`, 100);
}

/** The refundId a reference belongs to, or undefined for a reference that is not ours. */
export function refundIdOfGetpaidReference(reference: string): string | undefined {
  return /^refund-([A-Za-z0-9][A-Za-z0-9_-]*)-refund-\d+$/.exec(reference)?.[1];
}
