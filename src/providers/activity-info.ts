import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import type { OrchestratorErrorType } from '../refunds/failures';

/** What a provider activity needs to know about its own execution: whose refund, which try. */
export interface RefundActivityInfo {
  /** `refund-<refundId>`: the stable root of every idempotency key. */
  readonly workflowId: string;
  /** 1 for the first try; above 1 the previous try's outcome may be unknown. */
  readonly attempt: number;
  /** An earlier try may have reached the provider: a later attempt, or the input says so (SubmitInput). */
  readonly afterEarlierAttempt: boolean;
}

/** A provider's record this long before our first request could still be ours (clocks differ). */
const CLOCK_SLACK_MS = 5 * 60_000;

/** The earliest time (epoch ms) a record of this refund can carry; null when the first request's time is not known. */
export function notBefore(firstRequestAt: string | undefined): number | null {
  return firstRequestAt === undefined ? null : Date.parse(firstRequestAt) - CLOCK_SLACK_MS;
}

/** The root of a refund's references: the refund's workflow id, even when another workflow reads it. */
export function refundKeyRoot(input: { readonly refundWorkflowId?: string | undefined }): string {
  return input.refundWorkflowId ?? refundActivityInfo().workflowId;
}

export function refundActivityInfo(input?: { readonly afterEarlierAttempt?: boolean }): RefundActivityInfo {
  const { workflowExecution, attempt } = Context.current().info;
  if (workflowExecution === undefined) {
    // Provider activities derive their idempotency keys from the workflow id; without one they
    // could not be retried safely, so they refuse to run standalone.
    throw ApplicationFailure.nonRetryable(
      'provider activities must run inside a refund workflow',
      'NoWorkflowContext' satisfies OrchestratorErrorType
    );
  }
  return {
    workflowId: workflowExecution.workflowId,
    attempt,
    afterEarlierAttempt: attempt > 1 || input?.afterEarlierAttempt === true,
  };
}
