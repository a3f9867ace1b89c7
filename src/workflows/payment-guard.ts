import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import * as wf from '@temporalio/workflow';

import type { createGuardWorkerActivities } from '../activities/payment-guard';

import {
  commitUpdate,
  guardStateQuery,
  handoverUpdate,
  operatorReleaseUpdate,
  paymentEventSignal,
  providerEventSignal,
  refundWorkflowId,
  releaseUpdate,
  reserveUpdate,
} from '../contract';
import type {
  HandoverInput,
  HandoverResult,
  OperatorRelease,
  OperatorReleaseInput,
  PaymentGuardResumeInput,
  PaymentGuardState,
  ReserveInput,
  ReserveResult,
  SettleInput,
} from '../refunds/payment-guard';
import { MAX_ANSWERED_CALLS, REFUND_CALL_ID_PREFIX } from '../refunds/payment-guard';

/** How long a guard stays open without an update when its start did not say (PAYMENT_GUARD_QUIET_WINDOW_MS). */
const DEFAULT_QUIET_WINDOW_MS = 60 * 60_000;

const guardCalls = wf.proxyLocalActivities<ReturnType<typeof createGuardWorkerActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Operator releases kept in the guard's state: enough for any payment, bounded against misuse. */
const MAX_OPERATOR_RELEASES = 20;

const sum = (amounts: Readonly<Record<string, number>>): number => Object.values(amounts).reduce((a, b) => a + b, 0);

/**
 * One payment's refund ledger, as an entity workflow that continues as new when its history grows
 * and completes, with the ledger as its result, after a quiet window without updates. Update
 * handlers run one at a time in the order they arrive, so two concurrent reservations can never
 * both see the same refundable amount.
 */
export async function paymentGuard(initial: PaymentGuardState): Promise<PaymentGuardState> {
  let state = initial;
  /** Updates taken by this run: the quiet window starts again at each. */
  let updates = 0;
  wf.setHandler(guardStateQuery, () => state);
  /** A refund's call answered as before when it comes again with the same id (see `answered`). */
  const once =
    <I, R>(handler: (input: I) => R) =>
    (input: I): R => {
      const id = wf.currentUpdateInfo()?.id;
      const known = id === undefined ? undefined : state.answered?.[id];
      if (known !== undefined) {
        updates += 1;
        return known.result as R;
      }
      const result = handler(input);
      if (id?.startsWith(REFUND_CALL_ID_PREFIX)) {
        const kept = Object.entries(state.answered ?? {}).slice(-(MAX_ANSWERED_CALLS - 1));
        state = { ...state, answered: Object.fromEntries([...kept, [id, { result }]]) };
      }
      return result;
    };

  wf.setHandler(
    reserveUpdate,
    once((input: ReserveInput): ReserveResult => {
      updates += 1;
      // A retried reservation of the same refund gets the same answer; it never reserves twice. Another
      // run of a refund it knows (a reset, a re-run) is refused: the first run may have reached the provider.
      if (input.refundId in state.reserved || input.refundId in state.committed) {
        const first = state.runs?.[input.refundId];
        if (input.runId !== undefined && first !== undefined && first !== input.runId) {
          return {
            accepted: false,
            refusal: 'rerun',
            reason: `refund ${input.refundId} was reserved by its run ${first}; this run (${input.runId}) may not reach the provider again`,
            refundableBeforeMinor: refundable(state),
          };
        }
        return { accepted: true, refundableBeforeMinor: refundable(state), fresh: false };
      }
      if (state.currency !== null && state.currency !== input.currency) {
        return {
          accepted: false,
          reason: `the payment's refunds are in ${state.currency}, not ${input.currency}`,
          refundableBeforeMinor: refundable(state),
        };
      }
      const others = [...Object.keys(state.reserved), ...Object.keys(state.committed)];
      if (input.exclusive === true && others.length > 0) {
        return {
          accepted: false,
          reason: `only one refund may hold ${state.paymentId} at ${state.provider}, and ${others.slice(0, 3).join(', ')} does`,
          refundableBeforeMinor: refundable(state),
        };
      }
      const paymentAmountMinor = state.paymentAmountMinor ?? input.paymentAmountMinor;
      state = { ...state, currency: input.currency, paymentAmountMinor };
      const before = refundable(state);
      if (before !== null && input.amountMinor > before) {
        return {
          accepted: false,
          reason: `${input.amountMinor} exceeds the ${before} still refundable of ${paymentAmountMinor ?? '?'} (held by ${holders(state)})`,
          refundableBeforeMinor: before,
        };
      }
      state = {
        ...state,
        reserved: { ...state.reserved, [input.refundId]: input.amountMinor },
        ...(input.runId !== undefined && { runs: { ...state.runs, [input.refundId]: input.runId } }),
      };
      return { accepted: true, refundableBeforeMinor: before, fresh: true };
    })
  );

  wf.setHandler(
    handoverUpdate,
    once((input: HandoverInput): HandoverResult => {
      updates += 1;
      const current = state.runs?.[input.refundId];
      if (current === input.runId) return { accepted: true };
      if (current !== undefined && current !== input.fromRunId) {
        return {
          accepted: false,
          reason: `refund ${input.refundId} is run by ${current}; this run (${input.runId}) continues ${input.fromRunId} and may not reach the provider again`,
        };
      }
      state = { ...state, runs: { ...state.runs, [input.refundId]: input.runId } };
      return { accepted: true };
    })
  );

  wf.setHandler(
    releaseUpdate,
    once(({ refundId }: SettleInput): void => {
      updates += 1;
      const { [refundId]: released, ...reserved } = state.reserved;
      state = {
        ...state,
        reserved,
        ...(released !== undefined && { released: { ...state.released, [refundId]: released } }),
      };
    })
  );

  wf.setHandler(
    operatorReleaseUpdate,
    (input: OperatorReleaseInput): OperatorRelease => {
      updates += 1;
      const { [input.refundId]: amountMinor = 0, ...reserved } = state.reserved;
      const release: OperatorRelease = { ...input, amountMinor, at: new Date(Date.now()).toISOString() };
      state = {
        ...state,
        reserved,
        released: { ...state.released, [input.refundId]: amountMinor },
        operatorReleases: [...(state.operatorReleases ?? []), release].slice(-MAX_OPERATOR_RELEASES),
      };
      return release;
    },
    {
      // Refused before it reaches history: only a reservation that exists, with a reason and a name.
      validator: (input: OperatorReleaseInput) => {
        if (!(input?.refundId in state.reserved))
          throw new Error(`no reservation of ${String(input?.refundId)} to release`);
        if (typeof input.reason !== 'string' || input.reason.trim() === '') throw new Error('a reason is required');
        if (typeof input.by !== 'string' || input.by.trim() === '') throw new Error('by is required');
      },
    }
  );

  wf.setHandler(
    commitUpdate,
    once(({ refundId, amountMinor }: SettleInput): void => {
      updates += 1;
      if (refundId in state.committed) return;
      const { [refundId]: reservedAmount, ...reserved } = state.reserved;
      const amount = amountMinor ?? reservedAmount;
      state = {
        ...state,
        reserved,
        committed: amount === undefined ? state.committed : { ...state.committed, [refundId]: amount },
      };
    })
  );

  // A provider event about the payment (SecPaid's reconciler saw a refund row of the link) goes to
  // the refunds holding it, which read their own status. Not an update: it keeps no guard open.
  // A holder that has ended (one that succeeded keeps its reservation) refuses it, and that is all.
  wf.setHandler(paymentEventSignal, async (event) => {
    // A guard's history may hold this signal from a worker without this handler (a rolling
    // deploy): it sent nothing then, and replays so.
    if (typeof event?.eventId !== 'string' || !wf.patched('guard-passes-provider-events')) return;
    const holders = Object.keys(state.reserved);
    await Promise.all(
      holders.map((refundId) =>
        wf
          .getExternalWorkflowHandle(refundWorkflowId(refundId))
          .signal(providerEventSignal, event)
          .catch(() => undefined)
      )
    );
  });

  if (!wf.patched('guard-closes-when-quiet')) {
    await wf.condition(() => wf.workflowInfo().continueAsNewSuggested);
    await wf.condition(wf.allHandlersFinished);
    return wf.continueAsNew<typeof paymentGuard>(state);
  }
  // Open only while the payment's refunds talk to it, or one holding a reservation still runs:
  // after a quiet window it completes with its ledger as its result, and the next guard call
  // starts its next run from that result (updatePaymentGuard), so closing forgets nothing.
  const quietMs = state.quietWindowMs ?? DEFAULT_QUIET_WINDOW_MS;
  for (;;) {
    const seen = updates;
    const active = await wf.condition(() => updates !== seen || wf.workflowInfo().continueAsNewSuggested, quietMs);
    if (wf.workflowInfo().continueAsNewSuggested) {
      await wf.condition(wf.allHandlersFinished);
      return wf.continueAsNew<typeof paymentGuard>(state);
    }
    if (active) continue;
    const holders = Object.keys(state.reserved);
    if (holders.length > 0 && (await guardCalls.paymentRefundsRunning(holders))) continue;
    await wf.condition(wf.allHandlersFinished);
    if (updates === seen) return state;
  }
}

/** Who holds the payment's refunded or reserved amount, for the refusal an operator reads. */
function holders(state: PaymentGuardState): string {
  const held = Object.entries({ ...state.committed, ...state.reserved });
  const named = held.slice(0, 10).map(([refundId, amount]) => `${refundId} ${amount}`);
  return held.length > named.length ? `${named.join(', ')} and ${held.length - named.length} more` : named.join(', ');
}

function refundable(state: PaymentGuardState): number | null {
  return state.paymentAmountMinor === null
    ? null
    : state.paymentAmountMinor - sum(state.committed) - sum(state.reserved);
}

/**
 * Starts a closed guard's next run from its ledger, once: its id names the closed run
 * (`paymentGuardResumeWorkflowId`), so a second resume of the same run cannot start, and the start
 * of the child is one durable command, so a resume that started always completes its job.
 */
export async function paymentGuardResume(input: PaymentGuardResumeInput): Promise<void> {
  try {
    await wf.startChild(paymentGuard, {
      workflowId: input.guardId,
      args: [input.ledger],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      parentClosePolicy: 'ABANDON',
    });
  } catch (err) {
    // Running already: its run holds at least this ledger (only a resume starts after a closed run).
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
