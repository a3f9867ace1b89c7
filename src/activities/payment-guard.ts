import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';

import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';

import {
  commitUpdate,
  handoverUpdate,
  refundWatchWorkflowId,
  refundWorkflowId,
  releaseUpdate,
  reserveUpdate,
} from '../contract';
import { WORKER_STOPPING } from '../refunds/failures';
import { REFUND_CALL_ID_PREFIX } from '../refunds/payment-guard';
import type { HandoverInput, HandoverResult, ReserveInput, ReserveResult, SettleInput } from '../refunds/payment-guard';
import { updatePaymentGuard } from '../temporal/payment-guard-client';
import { workflowStatus } from '../temporal/workflow-status';
import type { PaymentGuardTarget } from '../temporal/payment-guard-client';

export type { PaymentGuardTarget } from '../temporal/payment-guard-client';

/** What the guard activities need: a client, and the quiet window that every guard start carries. */
export interface PaymentGuardDeps {
  readonly client: Client;
  /**
   * PAYMENT_GUARD_QUIET_WINDOW_MS: a guard without updates for this long completes (its ledger is
   * its result). Absent, the guard's own default.
   */
  readonly quietWindowMs?: number | undefined;
  /**
   * Aborted when this worker process begins to shut down. The SDK does not cancel a local activity
   * until the worker's grace is over, and a guard call that waits on a guard nobody answers held a
   * worker's drain for 27 s of its 30: from this signal a call has 2 s, then gives up
   * (`WorkerStopping`), the refund's workflow task fails, and the next worker makes the call again.
   */
  readonly workerStopping?: AbortSignal | undefined;
}

/** What a guard call still gets once the worker begins to shut down: a guard that runs answers in milliseconds. */
export const STOPPING_CALL_MS = 2_000;

function workerStoppingFailure(): ApplicationFailure {
  // Retryable by default: only the refund workflow's calls, which turn it into a workflow task
  // failure, list it as non-retryable; older code that knows nothing of it simply retries.
  return ApplicationFailure.create({
    type: WORKER_STOPPING,
    message: 'this worker is shutting down: the guard call is made again on the next worker',
  });
}

/** A short digest of a call's input, for its update id. */
function digest(args: unknown): string {
  return createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
}

/** One update to a payment's guard from inside a (local) activity: see {@link paymentGuardUpdater}. */
export type PaymentGuardUpdate = <Ret, Args extends [unknown]>(
  target: PaymentGuardTarget,
  definition: UpdateDefinition<Ret, Args>,
  args: Args,
  options?: {
    /** The update's id; absent, one derived from the calling local activity (made again by a replay). */
    readonly updateId?: string;
    /** Abandoned after this long (the caller's own bound, inside its activity's). */
    readonly timeoutMs?: number;
  }
) => Promise<Ret>;

/**
 * The refund workflow's way to talk to its payment's guard: workflows cannot send updates, so these
 * (local) activities do, with update-with-start so that the first refund of a payment creates it,
 * and a guard closed after its quiet window resumes from its ledger (updatePaymentGuard).
 */
export function createPaymentGuardActivities(deps: PaymentGuardDeps) {
  const update = paymentGuardUpdater(deps);
  return {
    /** `call.updateId`: the id of an earlier reservation call to be answered as (one that did not come back). */
    async reservePayment(
      target: PaymentGuardTarget,
      input: ReserveInput,
      call?: { readonly updateId: string }
    ): Promise<ReserveResult> {
      return update(target, reserveUpdate, [input], call && { updateId: call.updateId });
    },
    async handOverPayment(target: PaymentGuardTarget, input: HandoverInput): Promise<HandoverResult> {
      return update(target, handoverUpdate, [input]);
    },
    async commitPayment(target: PaymentGuardTarget, input: SettleInput): Promise<void> {
      await update(target, commitUpdate, [input]);
    },
    async releasePayment(target: PaymentGuardTarget, input: SettleInput): Promise<void> {
      await update(target, releaseUpdate, [input]);
    },
  };
}

/** How the guard activities send their updates (the worker's client, its stopping signal). */
export function paymentGuardUpdater(deps: PaymentGuardDeps): PaymentGuardUpdate {
  // Every call in flight listens on the process's signal: many at once is expected.
  if (deps.workerStopping) setMaxListeners(0, deps.workerStopping);
  /**
   * One update to the guard, next to the refund's own task queue. It is abandoned the moment the
   * local activity is cancelled (its timeout), and {@link STOPPING_CALL_MS} after the worker
   * begins to shut down: a guard that answers (in milliseconds) is answered as usual, while an
   * update the guard never takes (no worker serves it) must not keep a call open, or the worker's
   * shutdown waits on it and every retry of the refund's call adds one more that never ends.
   */
  return async <Ret, Args extends [unknown]>(
    target: PaymentGuardTarget,
    definition: UpdateDefinition<Ret, Args>,
    args: Args,
    { updateId, timeoutMs }: { readonly updateId?: string; readonly timeoutMs?: number } = {}
  ): Promise<Ret> => {
    const context = Context.current();
    const stopping = deps.workerStopping;
    const { workflowExecution, activityId } = context.info;
    const placement = {
      refundsTaskQueue: context.info.taskQueue,
      quietWindowMs: deps.quietWindowMs,
      // A local activity's id is its sequence number in the run: a replay of the workflow task
      // makes the same call with the same id, and the guard answers it as the first time. The
      // update's name and a digest of its input make sure it is the same call, not another one
      // that came to the same place of a replay that went otherwise. (A retry after a long
      // backoff is a new local activity, and a new id: the handlers are idempotent per refund.)
      ...(updateId !== undefined
        ? { updateId }
        : workflowExecution && {
            updateId: `${REFUND_CALL_ID_PREFIX}${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}/${definition.name}/${digest(args)}`,
          }),
    };
    // One controller per call, its listeners removed when the call ends: the process's own
    // signal lives as long as the process and must not collect one listener per call.
    const abandon = new AbortController();
    let stopTimer: NodeJS.Timeout | undefined;
    const boundTimer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => abandon.abort(new Error(`the guard did not answer within ${timeoutMs} ms`)), timeoutMs);
    const onCancel = (): void => abandon.abort(context.cancellationSignal.reason);
    const onStopping = (): void => {
      stopTimer = setTimeout(() => abandon.abort(new Error('the worker is shutting down')), STOPPING_CALL_MS);
    };
    if (context.cancellationSignal.aborted) onCancel();
    else context.cancellationSignal.addEventListener('abort', onCancel, { once: true });
    if (stopping?.aborted) onStopping();
    else stopping?.addEventListener('abort', onStopping, { once: true });
    try {
      return await deps.client.withAbortSignal(abandon.signal, () =>
        updatePaymentGuard(deps.client, target, { ...placement, abort: abandon.signal }, definition, args)
      );
    } catch (err) {
      // Cancelled: answered as a cancellation (which ends the attempt for good), not as a failure
      // that the retry policy would try again past the call's timeout.
      if (context.cancellationSignal.aborted) await context.cancelled;
      if (abandon.signal.aborted && stopping?.aborted) throw workerStoppingFailure();
      throw err;
    } finally {
      clearTimeout(stopTimer);
      clearTimeout(boundTimer);
      context.cancellationSignal.removeEventListener('abort', onCancel);
      stopping?.removeEventListener('abort', onStopping);
    }
  };
}

/**
 * The guard's own (local) activity: whether any refund holding one of its reservations still runs
 * (the refund, or its watch after an operator's FAILED). A guard stays open while one does, so a
 * payment with a refund in flight never depends on a closed run outliving the namespace's retention.
 */
export function createGuardWorkerActivities(deps: { readonly client: Client }) {
  return {
    async paymentRefundsRunning(refundIds: readonly string[]): Promise<boolean> {
      for (const refundId of refundIds) {
        for (const workflowId of [refundWorkflowId(refundId), refundWatchWorkflowId(refundId)]) {
          if ((await workflowStatus(deps.client, workflowId)) === 'RUNNING') return true;
        }
      }
      return false;
    },
  };
}
