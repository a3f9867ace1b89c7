import * as wf from '@temporalio/workflow';

import type { createPaymentGuardActivities } from '../../activities/payment-guard';
import type { createRefundPolicyActivities } from '../../activities/refund-policy';
import type { ProviderProfile } from '../../refunds/provider-profile';
import { approvalDecision } from '../../refunds/approval';
import { WORKER_STOPPING } from '../../refunds/failures';
import { formatMoney } from '../../refunds/minor-units';
import type { RefundPolicy } from '../../refunds/policy';
import { definitionOf } from '../../providers/lifecycle';
import type { RefundRequest } from '../../providers';
import type { RefundRecord } from '../refund-record';

import type { RefundInbox } from './inbox';

const SYSTEM = 'system';

type GuardCalls = ReturnType<typeof createPaymentGuardActivities>;

/**
 * A guard call given up by a worker that is shutting down (`WorkerStopping`, never retried there).
 * The refund does not see it: this fails the workflow task, so nothing of the call is recorded,
 * and the next worker replays the refund and makes the call again. (Before, such a call held the
 * worker's drain until the guard answered or its timeout.)
 */
async function unlessWorkerStopping<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const stopping =
      err instanceof wf.ActivityFailure &&
      err.cause instanceof wf.ApplicationFailure &&
      err.cause.type === WORKER_STOPPING;
    if (stopping) throw new Error(`${err.cause.message} (this workflow task fails)`, { cause: err });
    throw err;
  }
}

const guardCalls = wf.proxyLocalActivities<GuardCalls>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [WORKER_STOPPING],
  },
});

/** The per-payment guard's updates, sent by local activities (one marker event each). */
export const paymentGuardCalls: GuardCalls = {
  reservePayment: (...args) => unlessWorkerStopping(() => guardCalls.reservePayment(...args)),
  handOverPayment: (...args) => unlessWorkerStopping(() => guardCalls.handOverPayment(...args)),
  commitPayment: (...args) => unlessWorkerStopping(() => guardCalls.commitPayment(...args)),
  releasePayment: (...args) => unlessWorkerStopping(() => guardCalls.releasePayment(...args)),
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * A guard call that gives up after a minute (at least 5 s at any time scale), then says so: the
 * refund shows it waits for the payment's guard, asks a person, and tries again, less and less
 * often (up to hourly), so an unserved guard costs a few events an hour, never a history limit.
 */
export async function atGuard<K extends keyof GuardCalls>(
  /** The record, or the record and what to show once the guard answers after a person was asked (default: nothing). */
  at: RefundRecord | { readonly record: RefundRecord; readonly answered: () => void },
  scaled: (ms: number) => number,
  call: K,
  ...args: Parameters<GuardCalls[K]>
): Promise<Awaited<ReturnType<GuardCalls[K]>>> {
  const record = 'record' in at ? at.record : at;
  const answered = 'record' in at ? at.answered : () => record.clearAttention();
  // A bounded number of attempts, each bounded in time: the guard answers in milliseconds when it
  // runs, and one that does not answer is the loop's to wait for, saying so (under load, the
  // schedule-to-close alone was seen to let attempts go on for over a minute).
  const calls = wf.proxyLocalActivities<GuardCalls>({
    startToCloseTimeout: '5 seconds',
    scheduleToCloseTimeout: Math.max(5_000, scaled(MINUTE)),
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 4,
      nonRetryableErrorTypes: [WORKER_STOPPING],
    },
  });
  for (let wait = MINUTE, asked = false; ; wait = Math.min(2 * wait, HOUR)) {
    try {
      const fn = calls[call] as (...a: Parameters<GuardCalls[K]>) => Promise<Awaited<ReturnType<GuardCalls[K]>>>;
      const answer = await unlessWorkerStopping(() => fn(...args));
      if (asked) answered();
      return answer;
    } catch (err) {
      // A local activity's failure (its schedule-to-close, or the guard refusing to be recreated).
      if (!(err instanceof wf.TemporalFailure)) throw err;
      asked = true;
      record.waitFor("the payment's guard, which does not answer");
      record.raiseAttention(`the payment guard does not answer (${err.cause?.message ?? err.message}); trying again`);
      await wf.sleep(scaled(wait));
    }
  }
}

const refundPolicyCalls = wf.proxyLocalActivities<ReturnType<typeof createRefundPolicyActivities>>({
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export type GateOutcome =
  | { readonly pass: true }
  /** Another run of this refund reserved first: nothing is sent, a person decides. */
  | { readonly pass: 'hold'; readonly reason: string }
  /** The history grew long while waiting for approval: the refund continues as new, still waiting. */
  | { readonly pass: 'continue'; readonly deadlineAt: number }
  | { readonly pass: false; readonly status: 'CANCELLED' | 'FAILED'; readonly cause: string; readonly by: string };

/** The worker's policy for this refund (thresholds, time scale), recorded in history once. */
export async function refundPolicy(request: RefundRequest): Promise<RefundPolicy> {
  return refundPolicyCalls.refundPolicy({ currency: request.amount.currency });
}

/**
 * Everything before the provider: approval when the policy asks for it, then the reservation at
 * the payment's guard, and only then the cancel check, in the same workflow task as the move to
 * SUBMITTING: a cancel accepted at any point before is honoured, and none is accepted after.
 */
export async function passGate(
  request: RefundRequest,
  profile: ProviderProfile,
  policy: RefundPolicy,
  record: RefundRecord,
  inbox: RefundInbox,
  scaled: (ms: number) => number,
  continuationDue: () => boolean,
  /** Where an earlier run's approval deadline falls (continue-as-new); absent, it starts now. */
  approvalDeadlineAt?: number
): Promise<GateOutcome> {
  const need = approvalDecision(request, profile.fullRefundMoves, policy.approvalThresholdMinor);
  if (need.needed && !inbox.cancellation) {
    record.moveTo('AWAITING_APPROVAL', need.reason, SYSTEM);
    record.waitFor('an approve or cancel signal');
    const decided = () => inbox.approval !== undefined || inbox.cancellation !== undefined;
    const woken = () => decided() || continuationDue();
    const deadlineAt = approvalDeadlineAt ?? Date.now() + scaled(policy.approvalDeadlineMs);
    const remaining = deadlineAt - Date.now();
    if (remaining <= 0 || !(await wf.condition(woken, remaining))) {
      record.raiseAttention('approval deadline passed: approve or cancel the refund');
      await wf.condition(woken);
    }
    if (!decided()) return { pass: 'continue', deadlineAt };
    record.clearAttention();
    // An escalation while waiting for approval is answered by the approval: it does not let a
    // resolve end the refund once the provider has it (found by the state-machine model).
    if (wf.patched('approval-answers-escalation')) inbox.escalated = false;
  }
  if (inbox.cancellation) return cancelled(inbox);

  const claim = await claimCallerReference(request);
  if (claim !== null) {
    record.noteGuard(`refused: ${claim}`);
    record.setFailure({ type: 'ReferenceTaken', providerCode: undefined, providerMessage: claim });
    return {
      pass: false,
      status: 'FAILED',
      cause: 'the caller-supplied reference is already taken by another refund',
      by: SYSTEM,
    };
  }
  const guard = { provider: request.provider, paymentId: request.paymentId };
  const reservation = await atGuard(record, scaled, 'reservePayment', guard, {
    refundId: request.refundId,
    amountMinor: request.amount.amountMinor,
    currency: request.amount.currency,
    paymentAmountMinor: request.paymentAmount?.amountMinor ?? null,
    ...(profile.oneRefundPerPayment && { exclusive: true }),
    runId: wf.workflowInfo().runId,
  });
  if (!reservation.accepted && reservation.refusal === 'rerun') {
    record.noteGuard(`refused: ${reservation.reason}`);
    inbox.beforeProvider = false;
    return { pass: 'hold', reason: reservation.reason };
  }
  if (!reservation.accepted) {
    record.noteGuard(`refused: ${reservation.reason}`);
    record.setFailure({ type: 'ExceedsRefundable', providerCode: undefined, providerMessage: reservation.reason });
    return {
      pass: false,
      status: 'FAILED',
      cause: 'the per-payment guard refused the refund before any provider call',
      by: SYSTEM,
    };
  }
  record.noteGuard(
    reservation.refundableBeforeMinor === null
      ? "the payment's original amount is unknown: only the provider checks how much is refundable"
      : `reserved ${formatMoney(request.amount.amountMinor, request.amount.currency)} of the ${formatMoney(reservation.refundableBeforeMinor, request.amount.currency)} still refundable`
  );
  if (inbox.cancellation) {
    await atGuard(record, scaled, 'releasePayment', guard, { refundId: request.refundId });
    return cancelled(inbox);
  }
  inbox.beforeProvider = false;
  const approval = inbox.approval;
  record.moveTo(
    'SUBMITTING',
    approval
      ? `approved by ${approval.by}${approval.actor === undefined ? '' : ` (${approval.actor})`}: ${approval.reason}`
      : 'sending the refund to the provider',
    approval?.by ?? SYSTEM
  );
  return { pass: true };
}

/**
 * A reference the caller chose (OpenPayd's `referenceNo`: its definition's `callerReference`) is
 * how an earlier attempt is found at the provider, so it must name one refund only: it is claimed,
 * for good, at a guard of its own (`payment-<provider>-reference:<ref>`), which refuses any other
 * refund. Null when it is ours.
 */
async function claimCallerReference(request: RefundRequest): Promise<string | null> {
  const reference = definitionOf(request.provider).callerReference?.(request);
  if (reference === undefined) return null;
  const claim = await paymentGuardCalls.reservePayment(
    { provider: request.provider, paymentId: `reference:${reference.value}` },
    {
      refundId: request.refundId,
      amountMinor: 0,
      currency: request.amount.currency,
      paymentAmountMinor: null,
      exclusive: true,
    }
  );
  return claim.accepted ? null : `${reference.field} ${reference.value}: ${claim.reason}`;
}

function cancelled(inbox: RefundInbox): GateOutcome {
  const action = inbox.cancellation!;
  return { pass: false, status: 'CANCELLED', cause: `cancelled: ${action.reason}`, by: action.by };
}
