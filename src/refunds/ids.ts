/** The task queue every refund workflow runs on (docs/contract.md). */
export const REFUNDS_TASK_QUEUE = 'refunds';

/** A refund's workflow id: `refund-<refundId>`, so a repeated start with one refundId finds one workflow. */
export function refundWorkflowId(refundId: string): string {
  return `refund-${refundId}`;
}

/** The slow watch of a refund an operator resolved FAILED while the provider may still hold it. */
export function refundWatchWorkflowId(refundId: string): string {
  return `refund-watch-${refundId}`;
}
