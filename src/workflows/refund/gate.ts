import * as wf from '@temporalio/workflow';

import type { createPaymentGuardActivities } from '../../activities/payment-guard';
import type { createRefundPolicyActivities } from '../../activities/refund-policy';
import type {
  CarriedReservation,
  UnansweredClaim,
  createSubmitInTaskActivities,
} from '../../activities/submit-in-task';
import type { SubmitResult } from '../../refunds/decide/machine';
import { IN_TASK_RESERVATION_MS } from '../../refunds/payment-guard';
import type { ReserveInput, ReserveResult } from '../../refunds/payment-guard';
import type { ProviderProfile } from '../../refunds/provider-profile';
import { approvalDecision } from '../../refunds/approval';
import { GUARD_UNANSWERED, WORKER_STOPPING } from '../../refunds/failures';
import { formatMoney } from '../../refunds/minor-units';
import type { RefundPolicy } from '../../refunds/policy';
import { definitionOf } from '../../providers/lifecycle';
import type { RefundRequest } from '../../providers';
import type { RefundRecord } from '../refund-record';

import type { RefundInbox } from './inbox';
import { answerOf } from './provider-calls';

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
    // A local activity's failure reaches the workflow as it was thrown, not wrapped in an
    // ActivityFailure: before the patch that one was missed and taken for a guard that does not
    // answer (an attention, then a sleep), and the histories that recorded it replay so.
    const failure = err instanceof wf.ActivityFailure ? err.cause : err;
    const stopping = failure instanceof wf.ApplicationFailure && failure.type === WORKER_STOPPING;
    if (stopping && (err instanceof wf.ActivityFailure || wf.patched('worker-stopping-fails-task'))) {
      throw new Error(`${failure.message} (this workflow task fails)`, { cause: err });
    }
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

/**
 * The first submission, when the gate made it: a synchronous provider's request, sent in the
 * reservation's own local activity (`made`), or one that an earlier, unrecorded try of this
 * workflow task may have sent (`maybe`: it is looked for, never sent again). `at`: the earliest
 * time the request can have gone out.
 */
export interface FirstSubmission {
  readonly made: SubmitResult | 'maybe';
  readonly at: string;
}

export type GateOutcome =
  | { readonly pass: true; readonly first?: FirstSubmission }
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
  approvalDeadlineAt: number | undefined,
  /** The reservation and the first request go in one local activity (submitInTask). */
  inTask = false,
  /**
   * An earlier, unrecorded try of this first task may have sent the request with the reservation:
   * the provider's refunds may go in the first task, on a worker whose REFUND_SUBMIT_IN_TASK is on.
   */
  earlierTryMaySend = inTask
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
  const reserve: ReserveInput = {
    refundId: request.refundId,
    amountMinor: request.amount.amountMinor,
    currency: request.amount.currency,
    paymentAmountMinor: request.paymentAmount?.amountMinor ?? null,
    ...(profile.oneRefundPerPayment && { exclusive: true }),
    runId: wf.workflowInfo().runId,
  };
  const movedToSubmitting = () => {
    inbox.beforeProvider = false;
    const approval = inbox.approval;
    record.moveTo(
      'SUBMITTING',
      approval
        ? `approved by ${approval.by}${approval.actor === undefined ? '' : ` (${approval.actor})`}: ${approval.reason}`
        : 'sending the refund to the provider',
      approval?.by ?? SYSTEM
    );
  };
  let first: FirstSubmission | undefined;
  let reservation: ReserveResult;
  if (inTask) {
    // A cancel that came during the reference's claim; after this point none is taken.
    if (inbox.cancellation) return cancelled(inbox);
    movedToSubmitting();
    record.waitFor(`${request.provider} to answer the refund request`);
    ({ reservation, first } = await reserveAndSubmit(record, scaled, guard, reserve, request, profile, inbox));
  } else {
    reservation = await atGuard(record, scaled, 'reservePayment', guard, reserve);
    // The refund's run held the reservation already: an earlier try of this task took it, on a
    // worker that may have sent the request with it (its REFUND_SUBMIT_IN_TASK on, this one's off).
    // It is looked for, never sent again. (Histories before this sent it, and replay so.)
    if (
      earlierTryMaySend &&
      reservation.accepted &&
      reservation.fresh === false &&
      wf.patched('earlier-try-may-have-sent')
    ) {
      first = { made: 'maybe', at: wf.workflowInfo().runStartTime.toISOString() };
    }
  }
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
  const reserved =
    reservation.refundableBeforeMinor === null
      ? "the payment's original amount is unknown: only the provider checks how much is refundable"
      : `reserved ${formatMoney(request.amount.amountMinor, request.amount.currency)} of the ${formatMoney(reservation.refundableBeforeMinor, request.amount.currency)} still refundable`;
  // A cancel taken while the guard answered, which then said an earlier try may have sent it.
  const late = first?.made === 'maybe' && inbox.cancellation !== undefined;
  record.noteGuard(
    late
      ? `${reserved}; the cancel taken meanwhile is not honoured: an earlier try may have sent the request`
      : reserved
  );
  if (inTask && first !== undefined) return { pass: true, first };
  // Nothing was sent: the cancel the refund took while its guard did not answer is honoured.
  if (inTask && !inbox.cancellation) return { pass: true };
  if (first !== undefined) {
    movedToSubmitting();
    return { pass: true, first };
  }
  if (inbox.cancellation) {
    await atGuard(record, scaled, 'releasePayment', guard, { refundId: request.refundId });
    return cancelled(inbox);
  }
  movedToSubmitting();
  return { pass: true };
}

/**
 * The reservation and, when the guard says this very call took it, the first request, in one
 * local activity (src/activities/submit-in-task.ts). A reservation the refund's run held already
 * was taken by an earlier try of this task, which may have sent the request: it is looked for
 * (`maybe`). When the guard did not answer, or the activity did not come back (its request may
 * have left), the guard is asked again through its own calls, and says which of the two it was.
 */
async function reserveAndSubmit(
  record: RefundRecord,
  scaled: (ms: number) => number,
  guard: { readonly provider: string; readonly paymentId: string },
  reserve: ReserveInput,
  request: RefundRequest,
  profile: ProviderProfile,
  inbox: RefundInbox
): Promise<{ reservation: ReserveResult; first?: FirstSubmission }> {
  const at = new Date(Date.now()).toISOString();
  // Any earlier try of this task ran after the run started.
  const maybe: FirstSubmission = { made: 'maybe', at: wf.workflowInfo().runStartTime.toISOString() };
  const calls = wf.proxyLocalActivities<ReturnType<typeof createSubmitInTaskActivities>>({
    startToCloseTimeout: IN_TASK_RESERVATION_MS + profile.submit.startToCloseMs,
    retry: { maximumAttempts: 1, nonRetryableErrorTypes: [WORKER_STOPPING] },
  });
  try {
    const { reservation, sent } = await unlessWorkerStopping(() =>
      calls.reserveAndSubmitRefund({ guard, reserve, submit: { request, submission: 1 } })
    );
    if (sent !== undefined) return { reservation, first: { made: { ok: true, ...sent }, at } };
    return reservation.accepted ? { reservation, first: maybe } : { reservation };
  } catch (err) {
    // A local activity's own failure reaches the workflow as it was thrown; a timeout, wrapped.
    if (!(err instanceof wf.TemporalFailure)) throw err;
    // The provider's failure, thrown after a fresh reservation, which it carries.
    const carried =
      err instanceof wf.ApplicationFailure
        ? (err.details?.[1] as CarriedReservation | undefined)?.reservation
        : undefined;
    if (carried !== undefined) {
      return { reservation: carried, first: { made: { ok: false, answer: answerOf(err, request.provider) }, at } };
    }
    // The guard did not answer, and nothing was sent: the same reservation call again, until it is
    // answered, as the server may still deliver it. A timeout of the whole activity tells nothing:
    // a reservation of its own, which finds the reservation held if the activity had taken it.
    const unanswered =
      err instanceof wf.ApplicationFailure && err.type === GUARD_UNANSWERED
        ? (err.details?.[0] as UnansweredClaim | undefined)
        : undefined;
    const call = unanswered && { updateId: unanswered.claim };
    // That call took nothing to the provider: until it is answered, a cancel is taken as before an
    // activity's request (histories before this refused it, and replay so).
    const cancellable = unanswered !== undefined && wf.patched('cancel-while-guard-unanswered');
    if (cancellable) inbox.beforeProvider = true;
    const reservation = await atGuard(record, scaled, 'reservePayment', guard, reserve, call);
    inbox.beforeProvider = false;
    return reservation.accepted && reservation.fresh !== true ? { reservation, first: maybe } : { reservation };
  }
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
