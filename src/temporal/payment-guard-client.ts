import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';

import { PAYMENT_GUARD_TASK_QUEUE_SUFFIX, paymentGuardResumeWorkflowId, paymentGuardWorkflowId } from '../contract';
import type { OrchestratorErrorType } from '../refunds/failures';
import type { PaymentGuardState } from '../refunds/payment-guard';
import type { paymentGuard } from '../workflows';

const paymentGuardResume = 'paymentGuardResume';

/** Which guard: one per payment at its provider. */
export interface PaymentGuardTarget {
  readonly provider: string;
  readonly paymentId: string;
}

/** Where a guard runs and how long it stays open when quiet; absent, a resumed guard keeps its own. */
export interface PaymentGuardPlacement {
  /** The refunds' task queue; the guard runs on `<it>-guard` (PAYMENT_GUARD_TASK_QUEUE_SUFFIX). */
  readonly refundsTaskQueue: string;
  readonly quietWindowMs?: number;
  /**
   * The call's update id. The same call made again (the replay of a workflow task that failed after
   * the guard had applied it, a quick retry) carries the same id, and the guard answers it as the
   * first time (`PaymentGuardState.answered`, kept across its runs). Absent, a random one.
   */
  readonly updateId?: string;
  /** Ends the call between its steps too (a resume's wait), not only a request in flight. */
  readonly abort?: AbortSignal;
}

/** How long one call waits for a resumed guard to start before it fails and is tried again. */
const RESUME_WAIT_MS = 5_000;

/**
 * Sends an update to a payment's guard, starting it when the payment has none.
 *
 * A guard is never started empty over an earlier run of its id: the start refuses a closed run
 * (`REJECT_DUPLICATE`). A run that completed after its quiet window is resumed from its result,
 * the ledger, by a one-shot `paymentGuardResume` workflow whose id names that run: however many
 * callers find the guard closed, one resume per run can start, so no later run ever starts from an
 * older ledger. A terminated or failed run would forget the payment's refunds: the call fails
 * (`PaymentGuardClosed`) until an operator restores it. A guard gone after the namespace's retention
 * cannot be seen (docs/operations.md, "The payment guard").
 */
export async function updatePaymentGuard<Ret, Args extends [unknown]>(
  client: Client,
  target: PaymentGuardTarget,
  placement: PaymentGuardPlacement,
  update: UpdateDefinition<Ret, Args>,
  args: Args
): Promise<Ret> {
  const guardId = paymentGuardWorkflowId(target.provider, target.paymentId);
  const guardTaskQueue = `${placement.refundsTaskQueue}-${PAYMENT_GUARD_TASK_QUEUE_SUFFIX}`;
  const initial: PaymentGuardState = {
    provider: target.provider,
    paymentId: target.paymentId,
    currency: null,
    paymentAmountMinor: null,
    reserved: {},
    committed: {},
    ...(placement.quietWindowMs !== undefined && { quietWindowMs: placement.quietWindowMs }),
  };
  const giveUpAt = Date.now() + RESUME_WAIT_MS;
  for (let wait = 50; ; wait = Math.min(2 * wait, 1000)) {
    placement.abort?.throwIfAborted();
    try {
      return await client.workflow.executeUpdateWithStart(update, {
        args,
        ...(placement.updateId !== undefined && { updateId: placement.updateId }),
        startWorkflowOperation: new WithStartWorkflowOperation<typeof paymentGuard>('paymentGuard', {
          workflowId: guardId,
          taskQueue: guardTaskQueue,
          args: [initial],
          workflowIdConflictPolicy: 'USE_EXISTING',
          // Never an empty guard over a closed run of this payment's.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    await resumeClosedGuard(client, guardId, guardTaskQueue, placement.quietWindowMs);
    if (Date.now() > giveUpAt) throw new Error(`the payment guard ${guardId} is being resumed: try again`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Starts (once per closed run) the resume of a guard that completed after its quiet window; throws when it ended otherwise. */
async function resumeClosedGuard(
  client: Client,
  guardId: string,
  guardTaskQueue: string,
  quietWindowMs: number | undefined
): Promise<void> {
  const described = await client.workflow.getHandle(guardId).describe();
  const status = described.status.name;
  if (status === 'RUNNING') return;
  if (status !== 'COMPLETED') {
    throw ApplicationFailure.nonRetryable(
      `the payment guard ${guardId} is ${status}: restore it before refunding`,
      'PaymentGuardClosed' satisfies OrchestratorErrorType
    );
  }
  const ledger = (await client.workflow.getHandle(guardId, described.runId).result()) as PaymentGuardState;
  const resumed: PaymentGuardState = {
    ...ledger,
    ...(quietWindowMs !== undefined && { quietWindowMs }),
    resumedFrom: [...(ledger.resumedFrom ?? []), described.runId].slice(-10),
  };
  await client.workflow
    .start(paymentGuardResume, {
      workflowId: paymentGuardResumeWorkflowId(guardId, described.runId),
      taskQueue: guardTaskQueue,
      args: [{ guardId, ledger: resumed }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    })
    .catch((err: unknown) => {
      // Another caller started this run's resume: it is the one.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    });
}
