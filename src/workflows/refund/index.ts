import * as wf from '@temporalio/workflow';

import type { ProviderProfile } from '../../refunds/provider-profile';
import { profileOf } from '../../providers/lifecycle';
import { completionCallbackWorkflowId, refundWatchWorkflowId } from '../../contract';
import { completionEvent } from '../../refunds/completion';
import { canResolve, decide, initialState, readErrorsRetried } from '../../refunds/decide/machine';
import { decisionProfile } from '../../refunds/decide/profile';
import type {
  Command,
  DecisionEvent,
  DecisionProfile,
  DecisionState,
  Ending,
  ReadMode,
  ReadResult,
  SubmitResult,
} from '../../refunds/decide/machine';
import type { AttentionCause } from '../../refunds/decide/rules';
import type { AnswerKind } from '../../refunds/failures';
import type { ProviderAttempt } from '../../refunds/state';
import type { RefundRequest } from '../../providers';
import { completionCallback } from '../completion-callback';
import { refundBeforeDecisionCore } from '../legacy/refund-before-decision-core';
import { RefundRecord } from '../refund-record';
import { refundWatch } from '../refund-watch';

import { continuationDue, continueRefund } from './continuation';
import { atGuard, passGate, refundPolicy } from './gate';
import type { FirstSubmission } from './gate';
import { RefundInbox } from './inbox';
import { providerCalls } from './provider-calls';
import type { ProviderCalls } from './provider-calls';
import type { ContinuedRefund, ProviderClock, RefundOutcome, RefundWorkflowOptions } from './types';

export type { RefundOutcome, RefundWorkflowOptions } from './types';

const MINUTE = 60_000;

/** Refunds recorded before it sent every request from an activity (see {@link sendsInTask}). */
const SUBMIT_IN_TASK_PATCH = 'submit-in-task';

/**
 * Whether a refund of this provider sends its first request from the reservation's local activity,
 * in its first workflow task: a synchronous provider that sends once and has no queue of its own.
 */
function sendsInTask(profile: ProviderProfile): boolean {
  return profile.submitsInTask === true && profile.resend === 'never' && profile.taskQueueSuffix === undefined;
}

/** Drives one refund from request to a final outcome. Workflow id `refund-<refundId>`. */
export async function refund(request: RefundRequest, options: RefundWorkflowOptions = {}): Promise<RefundOutcome> {
  // Asked first, so that a new refund records one patch marker, not two: a refund recorded with
  // `decision-core` (and not this) replays the same code with the request sent by an activity.
  const submitsInTask = wf.patched(SUBMIT_IN_TASK_PATCH);
  if (!submitsInTask && !wf.patched('decision-core')) return refundBeforeDecisionCore(request, options);
  const profile = profileOf(request.provider);
  // SecPaid's reconciler reads for its waiting refunds and wakes the one a refund row belongs to
  // (refunds started before it read on their own every 4 hours, and replay so).
  const reconciled = profile.reconciled !== undefined && wf.patched('reconciled-watch');
  const { continued } = options;
  const record = new RefundRecord(request, options.initiatedBy ?? null, continued?.record);
  const resumed = continued?.phase.at === 'provider' ? continued.phase : undefined;
  const inbox = new RefundInbox(
    record,
    options.initiatedBy,
    profile.eventDriven || reconciled,
    reconciled,
    continued?.inbox,
    resumed && ((taken) => resolveRefusalOf(resumed.decision, false, taken.keepsAttention))
  );
  // The local activity's arguments are not part of its replayed marker: histories whose refunds
  // passed the time scale their starter asked for replay unchanged.
  const policy = continued?.policy ?? (await refundPolicy(request));
  const scaled = (ms: number): number => Math.max(1, Math.round(ms * policy.timeScale));
  const due = continuationDue();
  const handOver = (phase: ContinuedRefund['phase']) =>
    continueRefund(request, options, record, inbox, { policy, phase });

  let held: string | null = null;
  let first: FirstSubmission | undefined;
  if (resumed === undefined) {
    const approvalDeadlineAt = continued?.phase.at === 'approval' ? continued.phase.deadlineAt : undefined;
    const eligible = submitsInTask && sendsInTask(profile);
    const inTask = eligible && policy.submitInTask === true;
    const gate = await passGate(
      request,
      profile,
      policy,
      record,
      inbox,
      scaled,
      due,
      approvalDeadlineAt,
      inTask,
      eligible
    );
    if (gate.pass === 'continue') return handOver({ at: 'approval', deadlineAt: gate.deadlineAt });
    if (gate.pass === false) {
      record.moveTo(gate.status, gate.cause, gate.by);
      return finish(request, record, policy.timeScale);
    }
    held = gate.pass === 'hold' ? gate.reason : null;
    first = gate.pass === true ? gate.first : undefined;
  } else {
    // Take over from the run the guard knows: a reset of a continued run is held, not sent again.
    const info = wf.workflowInfo();
    // A stall of the reconciler carried from the last run still asks a person once the guard answers.
    const answered = (): void => (inbox.reconcilerStalled ? inbox.showAttentionBesideCore() : record.clearAttention());
    const handover = await atGuard(
      { record, answered },
      scaled,
      'handOverPayment',
      { provider: request.provider, paymentId: request.paymentId },
      { refundId: request.refundId, fromRunId: info.continuedFromExecutionRunId ?? '', runId: info.runId }
    );
    if (!handover.accepted) {
      record.noteGuard(`refused: ${handover.reason}`);
      held = handover.reason;
    }
  }
  const driven = await driveProvider(request, profile, record, inbox, scaled, held, due, resumed, reconciled, first);
  if ('continueFrom' in driven) return handOver({ at: 'provider', ...driven.continueFrom });
  const { ending, watched } = driven;
  await settle(request, record, ending, inbox.resolution?.by, scaled);
  if (ending.watch) await startWatch(request, record, policy.timeScale, watched);
  return finish(request, record, policy.timeScale);
}

/** What carrying out the core's commands needs. */
interface Driver {
  readonly profile: ProviderProfile;
  /** The provider's reconciler reads for this refund and wakes it (SecPaid's). */
  readonly reconciled: boolean;
  readonly decisions: DecisionProfile;
  readonly calls: ProviderCalls;
  readonly record: RefundRecord;
  readonly inbox: RefundInbox;
  readonly scaled: (ms: number) => number;
  /** Whether the run should hand over to a new one now (continue-as-new). */
  readonly due: () => boolean;
  /**
   * When the watch for the provider's outcome began, when the first request went out, and when the
   * current sleep ends (so that a sleep cut short by continue-as-new ends on time in the next run).
   */
  readonly clock: ProviderClock;
  /** A submission is in flight: no resolve is taken until it has come back. */
  submitting: boolean;
  /** Provider events taken when the last read began: one more since means this read was woken. */
  eventsAtLastRead: number;
  /** The first submission, made by the gate (or perhaps by an unrecorded try): taken by the first submit. */
  first: FirstSubmission | undefined;
}

type ProviderPhase = Extract<ContinuedRefund['phase'], { at: 'provider' }>;

/** The core's ending, or where to continue in the next run. */
type Driven =
  | { readonly ending: Ending; readonly watched: { submission: number; firstRequestAt: string | null } }
  | { readonly continueFrom: Omit<ProviderPhase, 'at'> };

/** Carries out the core's commands until it ends the refund, or the run should hand over. */
async function driveProvider(
  request: RefundRequest,
  profile: ProviderProfile,
  record: RefundRecord,
  inbox: RefundInbox,
  scaled: (ms: number) => number,
  /** Why nothing may be sent (another run of this refund reserved first): a person decides. */
  held: string | null,
  due: () => boolean,
  resumed: ProviderPhase | undefined,
  reconciled: boolean,
  first: FirstSubmission | undefined
): Promise<Driven> {
  const driver: Driver = {
    profile,
    reconciled,
    decisions: decisionProfile(profile, scaled, reconciled),
    calls: providerCalls(request, profile, scaled, reconciled),
    record,
    inbox,
    scaled,
    due,
    clock: { watchStartedAt: null, watchSubmission: 0, firstRequestAt: null, sleepUntil: null, ...resumed?.clock },
    submitting: false,
    eventsAtLastRead: inbox.providerEvents,
    first,
  };
  const facts = { provider: request.provider, requestedMinor: request.amount.amountMinor };
  const start = resumed?.decision ?? initialState();
  let state: DecisionState =
    held === null
      ? start
      : {
          ...start,
          mayHoldRefund: true,
          attention: { ...start.attention, 'outcome-unknown': held },
          next: { do: 'hold' },
        };
  if (held !== null) show(driver, start, state);
  inbox.resolveRefusal = () => resolveRefusalOf(state, driver.submitting, inbox.keepsAttention);
  inbox.coreAttention = () => Object.values(state.attention)[0];

  while (state.next.do !== 'end') {
    // Between commands, with nothing in flight: the history has grown long, the next run goes on
    // (never with a request the gate made and the core has not taken).
    if (driver.first === undefined && inbox.resolution === undefined && due())
      return { continueFrom: { decision: state, clock: { ...driver.clock } } };
    const event = await perform(driver, state, state.next);
    if (event === null) continue;
    const before = state;
    state = decide(driver.decisions, facts, state, event);
    show(driver, before, state);
  }
  return {
    ending: state.next.end,
    watched: { submission: state.submission, firstRequestAt: driver.clock.firstRequestAt },
  };
}

/** Why a resolve cannot be taken now, or null when it can. */
function resolveRefusalOf(state: DecisionState, submitting: boolean, personAsked: boolean): string | null {
  if (submitting || state.next.do === 'submit') return 'a submission is in flight: resolve once it has come back';
  return canResolve(state) || personAsked ? null : 'nothing to resolve: the refund does not need attention';
}

/**
 * One command: its provider call, sleep or hold, interrupted by an operator's resolve. Null when
 * it was cut short for continue-as-new: the next run performs it (a sleep, only what is left).
 */
async function perform(driver: Driver, state: DecisionState, command: Command): Promise<DecisionEvent | null> {
  const { inbox, record, due, clock } = driver;
  const resolved = (): DecisionEvent => ({
    type: 'resolved',
    outcome: inbox.resolution!.outcome,
    reason: inbox.resolution!.reason,
  });
  switch (command.do) {
    case 'submit':
      return submit(driver, command.submission);
    case 'sleep': {
      const forReconciler = command.then.do === 'read' && command.then.mode === 'watch' && driver.reconciled;
      if (forReconciler) {
        record.waitFor(waitingText(record.state.provider, driver.profile, 'watch', true));
        // The review SLA counts from the start of the wait for the reconciler, not from the first read.
        startWatchClock(clock, state.submission);
      }
      // A provider event cuts short the wait before a read: it says to look now. For the reconciler's
      // wake, one that came since the last read counts too (it may have come while the request was
      // sent, and is not sent again).
      const events = forReconciler ? driver.eventsAtLastRead : inbox.providerEvents;
      const woken = () =>
        inbox.resolution !== undefined || (command.then.do === 'read' && inbox.providerEvents > events) || due();
      // The reconciled watch's week is spread by the refund (± 10 %): a burst of refunds does not come
      // back as a burst of their own reads.
      clock.sleepUntil ??= Date.now() + (forReconciler ? spread(command.ms, driver.profile.poll.jitter) : command.ms);
      const remaining = clock.sleepUntil - Date.now();
      if (remaining > 0) await wf.condition(woken, remaining);
      if (inbox.resolution) return resolved();
      // Woken by a provider event: nothing is left of the sleep, in this run or the next.
      if (command.then.do === 'read' && inbox.providerEvents > events) clock.sleepUntil = Date.now();
      // Handing over: the next run sleeps only what is left (perhaps nothing), then goes on.
      if (due()) return null;
      clock.sleepUntil = null;
      return perform(driver, state, command.then);
    }
    case 'hold':
      record.waitFor('an operator to find out what happened and send resolve');
      await wf.condition(() => inbox.resolution !== undefined || due());
      return inbox.resolution ? resolved() : null;
    case 'read': {
      for (;;) {
        if (inbox.resolution) return resolved();
        if (due()) return null;
        const result = await read(driver, state, command);
        if (result !== undefined) return { type: 'read', result };
        // A provider event: read again now.
      }
    }
    case 'end':
      throw new Error('an ended refund performs nothing');
  }
}

async function submit(driver: Driver, submission: number): Promise<DecisionEvent> {
  const { record, calls, clock } = driver;
  const first = submission === 1 ? driver.first : undefined;
  driver.first = undefined;
  record.waitFor(`${record.state.provider} to answer the refund request`);
  clock.firstRequestAt ??= first?.at ?? new Date(Date.now()).toISOString();
  let result: SubmitResult;
  if (first !== undefined && first.made !== 'maybe') {
    result = first.made;
  } else {
    driver.submitting = true;
    result = await calls.submit(submission, first !== undefined).finally(() => {
      driver.submitting = false;
    });
  }
  record.recordAttempt({
    step: 'submit',
    submission,
    outcome: result.ok ? result.kind : attemptOutcomes[result.answer.kind],
    ...(!result.ok && { code: result.answer.failure.providerCode, message: result.answer.failure.providerMessage }),
  });
  return { type: 'submitted', result };
}

/** One read command, raced against a resolve or a provider event (then `undefined`). */
async function read(
  driver: Driver,
  state: DecisionState,
  command: Extract<Command, { do: 'read' }>
): Promise<ReadResult | undefined> {
  const { record, inbox, profile, clock, scaled } = driver;
  if (command.mode === 'watch') startWatchClock(clock, state.submission);
  record.waitFor(waitingText(record.state.provider, profile, command.mode, driver.reconciled));
  const remaining = scaled(profile.poll.deadlineMs) - (Date.now() - (clock.watchStartedAt ?? Date.now()));
  const eventsBefore = inbox.providerEvents;
  const woken = eventsBefore > driver.eventsAtLastRead;
  driver.eventsAtLastRead = eventsBefore;
  const deadlineAhead = command.mode === 'watch' && !state.deadlinePassed;
  // A reconciled refund's reads are a week apart: its deadline is a timer, so that it comes at
  // its time, not at the last read that fits before it (the schedule-to-close of the others).
  const deadlineTimer = deadlineAhead && driver.reconciled;
  const scope = new wf.CancellationScope();
  const result = await scope.run(() =>
    Promise.race([
      driver.calls.read({
        mode: command.mode,
        slow: command.slow,
        submission: state.submission,
        providerRefundId: state.providerRefundId,
        errorsRetried: readErrorsRetried(driver.decisions, state),
        remainingMs: deadlineAhead && !deadlineTimer ? remaining : null,
        firstRequestAt: clock.firstRequestAt,
        woken,
      }),
      wf
        .condition(() => inbox.resolution !== undefined || inbox.providerEvents > eventsBefore || driver.due())
        .then(() => undefined),
      ...(deadlineTimer
        ? [
            wf
              .sleep(Math.max(1, remaining))
              .then((): ReadResult => ({ kind: 'deadline', message: profile.poll.deadlineReason })),
          ]
        : []),
    ])
  );
  scope.cancel();
  if (result !== undefined && result.kind !== 'healthy') {
    record.recordAttempt({
      step: 'poll',
      submission: state.submission,
      outcome: readOutcomes[result.kind],
      ...('message' in result && { message: result.message }),
    });
  }
  return result;
}

/** `ms` ± `jitter` of it, the same in every replay: from the refund's workflow id. */
function spread(ms: number, jitter: number): number {
  let hash = 0;
  for (const char of wf.workflowInfo().workflowId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return Math.round(ms * (1 + jitter * ((hash / 0xffffffff) * 2 - 1)));
}

/** Each submission's watch has its own deadline, from the first wait or read of its watch. */
function startWatchClock(clock: ProviderClock, submission: number): void {
  if (clock.watchSubmission === submission) return;
  clock.watchStartedAt = Date.now();
  clock.watchSubmission = submission;
}

const attemptOutcomes: Record<AnswerKind, ProviderAttempt['outcome']> = {
  declined: 'failed',
  'already-done': 'failed',
  'not-processed': 'not-processed',
  'retry-later': 'retry-later',
  unknown: 'unknown',
  transient: 'unknown',
  auth: 'unknown',
  pending: 'pending',
};

const readOutcomes: Record<Exclude<ReadResult['kind'], 'healthy'>, ProviderAttempt['outcome']> = {
  succeeded: 'succeeded',
  pending: 'pending',
  final: 'failed',
  'not-found': 'unknown',
  failing: 'unknown',
  deadline: 'deadline',
};

function waitingText(provider: string, profile: ProviderProfile, mode: ReadMode, reconciled: boolean): string {
  if (mode === 'find') return `a look at ${provider} for the refund whose answer was lost`;
  if (mode === 'recheck') return `a last read of the earlier ${provider} transaction before sending anew`;
  if (reconciled) return `${provider} to approve the refund (its reconciler reads the account's transactions for it)`;
  return profile.pendingStatus === 'PENDING_REVIEW'
    ? `${provider} to approve the refund (its status is read every ${Math.round(profile.poll.intervalMs / MINUTE)} min)`
    : `${provider} to complete the refund`;
}

/** The record follows the core: the status once the provider holds it, and each attention cause. */
function show(driver: Driver, before: DecisionState, after: DecisionState): void {
  const { record, profile, inbox } = driver;
  if (after.accepted && !before.accepted) {
    record.setProviderRefund(after.providerRefundId);
    record.moveTo(
      profile.pendingStatus,
      profile.pendingStatus === 'PENDING_REVIEW'
        ? `${record.state.provider} is reviewing the refund request`
        : `${record.state.provider} accepted the refund`,
      record.state.provider
    );
  }
  if (after.next.do === 'end') return;
  const reasons = Object.values(after.attention);
  const changed = Object.entries(after.attention).find(
    ([cause, reason]) => before.attention[cause as AttentionCause] !== reason
  );
  if (changed) record.raiseAttention(changed[1]);
  else if (reasons.length === 0) inbox.showAttentionBesideCore();
  else if (reasons.length > 0 && Object.keys(before.attention).length > reasons.length)
    record.raiseAttention(reasons[0]!);
}

/** Settles the reservation as the ending says, then moves the record to its final status. */
async function settle(
  request: RefundRequest,
  record: RefundRecord,
  ending: Ending,
  resolvedBy: string | undefined,
  scaled: (ms: number) => number
): Promise<void> {
  const guard = { provider: request.provider, paymentId: request.paymentId };
  const settleInput = { refundId: request.refundId, amountMinor: ending.amountMinor };
  if (ending.guard === 'release') await atGuard(record, scaled, 'releasePayment', guard, settleInput);
  if (ending.guard === 'commit') await atGuard(record, scaled, 'commitPayment', guard, settleInput);
  if (ending.failure) record.setFailure(ending.failure);
  record.setProviderRefund(
    ending.providerRefundId,
    ending.status === 'SUCCEEDED' && ending.by !== 'operator' ? ending.amountMinor : record.state.refundedAmountMinor
  );
  const by =
    ending.by === 'provider' ? request.provider : ending.by === 'operator' ? (resolvedBy ?? 'operator') : 'system';
  record.moveTo(ending.status, ending.cause, by);
  if (ending.amountMinor !== null && ending.amountMinor !== request.amount.amountMinor) {
    record.refundedOtherAmount(ending.amountMinor);
  }
  if (ending.watch) {
    // The operator's word ends the refund; the money is still watched, and a person is asked
    // again (on the watch) only if the provider refunds after all.
    record.noteGuard(
      `resolved FAILED while ${request.provider} may still hold the refund: its reservation is kept, and ${refundWatchWorkflowId(request.refundId)} reads it`
    );
  }
}

async function startWatch(
  request: RefundRequest,
  record: RefundRecord,
  timeScale: number,
  watched: { submission: number; firstRequestAt: string | null }
): Promise<void> {
  await wf.startChild(refundWatch, {
    workflowId: refundWatchWorkflowId(request.refundId),
    args: [
      {
        request,
        refundWorkflowId: wf.workflowInfo().workflowId,
        providerRefundId: record.state.providerRefundId,
        submission: watched.submission,
        firstRequestAt: watched.firstRequestAt,
        timeScale,
      },
    ],
    parentClosePolicy: 'ABANDON',
  });
}

/** The refund's result, after its signed completion event is handed to a child to deliver. */
async function finish(request: RefundRequest, record: RefundRecord, timeScale: number): Promise<RefundOutcome> {
  const { status, providerRefundId, failure, refundedAmountMinor } = record.state;
  if (status !== 'SUCCEEDED' && status !== 'FAILED' && status !== 'CANCELLED') {
    throw new Error(`refund ended in a non-final status ${status}`);
  }
  if (request.callbackUrl !== undefined) {
    const ended = { status, providerRefundId, failure, refundedAmountMinor };
    const event = completionEvent(request, ended, new Date(Date.now()).toISOString());
    await wf.startChild(completionCallback, {
      workflowId: completionCallbackWorkflowId(request.refundId),
      args: [request.callbackUrl, event, timeScale],
      parentClosePolicy: 'ABANDON',
    });
  }
  return { status, providerRefundId, failure, refundedAmountMinor };
}
