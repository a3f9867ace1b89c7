import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/** What a provider activity needs to know about its own execution: whose refund, which try. */
export interface RefundActivityInfo {
  /** `refund-<refundId>`: the stable root of every idempotency key. */
  readonly workflowId: string;
  /** 1 for the first try; above 1 the previous try's outcome may be unknown. */
  readonly attempt: number;
}

/** The root of a refund's references: the refund's workflow id, even when another workflow reads it. */
export function refundKeyRoot(input: { readonly refundWorkflowId?: string | undefined }): string {
  return input.refundWorkflowId ?? refundActivityInfo().workflowId;
}

export function refundActivityInfo(): RefundActivityInfo {
  const { workflowExecution, attempt } = Context.current().info;
  if (workflowExecution === undefined) {
    // Provider activities derive their idempotency keys from the workflow id; without one they
    // could not be retried safely, so they refuse to run standalone.
    throw ApplicationFailure.nonRetryable('provider activities must run inside a refund workflow', 'NoWorkflowContext');
  }
  return { workflowId: workflowExecution.workflowId, attempt };
}
