import { randomUUID } from 'node:crypto';

import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import { reserveUpdate } from '../contract';
import { GUARD_UNANSWERED, WORKER_STOPPING } from '../refunds/failures';
import { IN_TASK_RESERVATION_MS, REFUND_CALL_ID_PREFIX } from '../refunds/payment-guard';
import type { ReserveInput, ReserveResult } from '../refunds/payment-guard';
import type { SubmitInput, SubmitOutcome } from '../refunds/provider-outcome';

import type { PaymentGuardTarget, PaymentGuardUpdate } from './payment-guard';

export interface ReserveAndSubmitInput {
  readonly guard: PaymentGuardTarget;
  readonly reserve: ReserveInput;
  readonly submit: SubmitInput;
}

/** The reservation's answer, and the provider's when it was sent (only after a fresh reservation). */
export interface ReserveAndSubmitResult {
  readonly reservation: ReserveResult;
  readonly sent?: SubmitOutcome;
}

/** The detail of a {@link GUARD_UNANSWERED} failure: the reservation's update id. */
export interface UnansweredClaim {
  readonly claim: string;
}

/** The second detail of a provider failure thrown here: the reservation it was sent under. */
export interface CarriedReservation {
  readonly reservation: ReserveResult;
}

type SubmitCall = (input: SubmitInput) => Promise<SubmitOutcome>;

/**
 * A synchronous provider's reservation and first request in one local activity, so that the
 * refund's happy path is one workflow task (no activity task, no second workflow task).
 *
 * A local activity is recorded only when its workflow task completes: if the worker dies after the
 * request left, the next worker runs the task, and this activity, again, and history cannot say
 * that it was sent. The guard can. Each execution reserves with an update id of its own, and sends
 * only when the guard answers that this very call took the reservation (`fresh`): any later
 * execution finds the reservation held by the refund's run and sends nothing, and the refund then
 * treats the request as one that may have reached the provider (it looks for it, never resends).
 * A failure of the provider's call is thrown as the provider's activity throws it.
 */
export function createSubmitInTaskActivities(deps: {
  readonly update: PaymentGuardUpdate;
  /** The provider activities of the refunds' queue, by name (`<provider>SubmitRefund`). */
  readonly submits: Readonly<Record<string, unknown>>;
}) {
  return {
    async reserveAndSubmitRefund(input: ReserveAndSubmitInput): Promise<ReserveAndSubmitResult> {
      const name = `${input.submit.request.provider}SubmitRefund`;
      const submit = deps.submits[name] as SubmitCall | undefined;
      // Before the reservation: a claim taken and never used would make the next try look for a request never sent.
      if (typeof submit !== 'function') {
        throw ApplicationFailure.nonRetryable(`no ${name} activity on this worker: nothing was reserved or sent`);
      }
      const { workflowExecution } = Context.current().info;
      const claim = `${REFUND_CALL_ID_PREFIX}${workflowExecution?.workflowId}/${workflowExecution?.runId}/claim/${randomUUID()}`;
      let reservation: ReserveResult;
      try {
        reservation = await deps.update(input.guard, reserveUpdate, [input.reserve], {
          updateId: claim,
          timeoutMs: IN_TASK_RESERVATION_MS,
        });
      } catch (err) {
        if (err instanceof ApplicationFailure && err.type === WORKER_STOPPING) throw err;
        // The guard may still take this update (the server keeps it): the refund asks again with
        // the same id, and is answered as this call would have been.
        throw ApplicationFailure.create({
          type: GUARD_UNANSWERED,
          nonRetryable: true,
          message: `the payment guard did not answer the reservation, so nothing was sent: ${err instanceof Error ? err.message : String(err)}`,
          details: [{ claim } satisfies UnansweredClaim],
        });
      }
      if (!reservation.accepted || reservation.fresh !== true) return { reservation };
      try {
        return { reservation, sent: await submit(input.submit) };
      } catch (err) {
        // The provider's failure as its activity throws it, with the reservation beside its details.
        const failure =
          err instanceof ApplicationFailure
            ? err
            : ApplicationFailure.create({
                type: err instanceof Error ? err.name : 'Error',
                message: err instanceof Error ? err.message : String(err),
              });
        throw ApplicationFailure.create({
          type: failure.type ?? 'Error',
          message: failure.message,
          nonRetryable: failure.nonRetryable === true,
          details: [failure.details?.[0], { reservation } satisfies CarriedReservation],
        });
      }
    },
  };
}
