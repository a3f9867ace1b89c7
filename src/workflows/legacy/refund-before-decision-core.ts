import * as wf from '@temporalio/workflow';

import type { createPaymentGuardActivities } from '../../activities/payment-guard';
import type { createRefundPolicyActivities } from '../../activities/refund-policy';
import type { ProviderProfile } from '../../refunds/provider-profile';
import { profileOf } from '../../providers/lifecycle';
import {
  approveSignal,
  approveUpdate,
  cancelSignal,
  cancelUpdate,
  completionCallbackWorkflowId,
  escalateSignal,
  escalateUpdate,
  providerEventSignal,
  resolveSignal,
  resolveUpdate,
  stateQuery,
} from '../../contract';
import type { ActionResult, OperatorAction, ResolveAction } from '../../refunds/actions';
import { approvalDecision } from '../../refunds/approval';
import type { RefundPolicy } from '../../refunds/policy';
import { attentionFailureTypes } from '../../refunds/provider-outcome';
import type {
  PollInput,
  PollOutcome,
  ProviderFailureDetails,
  SubmitInput,
  SubmitOutcome,
} from '../../refunds/provider-outcome';
import type { CompletionEvent } from '../../refunds/completion';
import type { RefundRequest } from '../../providers';
import type { RefundFailure } from '../../refunds/state';
import type { RefundOutcome, RefundWorkflowOptions } from '../refund/types';

import { completionCallback } from '../completion-callback';
import { RefundRecord } from '../refund-record';

const SYSTEM = 'system';
const HOUR = 3_600_000;
const DEFAULT_APPROVAL_DEADLINE_MS = 24 * HOUR;
/** Resends after a provider said it did not process the refund (providers without idempotency). */
const MAX_WORKFLOW_RESENDS = 8;
/** No status read comes sooner than this after the last, whatever the time scale. */
const MIN_POLL_INTERVAL_MS = 50;
/**
 * Provider event ids remembered to drop duplicates. Past it, events are still acted on (refunds
 * recorded before the `provider-event-flood` patch ignored them), coalesced into one read: a flood
 * costs reads, never the real outcome.
 */
const MAX_PROVIDER_EVENTS = 100;

// The workflow calls every provider's activities through one shape; each provider's own input type
// is checked where its activities are defined (src/activities), and the workflow always passes the
// request of the provider whose activity it calls.
type SubmitCall = (input: SubmitInput) => Promise<SubmitOutcome>;
type PollCall = (input: PollInput) => Promise<PollOutcome>;

/** The per-payment guard's updates, sent by local activities (one marker event each). */
const paymentGuardCalls = wf.proxyLocalActivities<ReturnType<typeof createPaymentGuardActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** The worker's policy (approval thresholds, time scale), read once at the refund's start. */
const refundPolicyCalls = wf.proxyLocalActivities<ReturnType<typeof createRefundPolicyActivities>>({
  startToCloseTimeout: '5 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

type StepResult =
  | { readonly kind: 'done'; readonly outcome: SubmitOutcome }
  | { readonly kind: 'declined'; readonly failure: RefundFailure }
  | { readonly kind: 'retry-later'; readonly failure: RefundFailure }
  | { readonly kind: 'not-processed'; readonly message: string }
  | { readonly kind: 'deadline'; readonly message: string }
  | { readonly kind: 'attention'; readonly reason: string; readonly failure?: RefundFailure };

/**
 * FROZEN: how refunds started before the `decision-core` patch are driven, kept exactly so that
 * their histories replay and the ones still open finish as they began. Do not change it; delete it
 * once no such refund is open (the longest refund life plus the namespace's retention).
 */
export async function refundBeforeDecisionCore(
  request: RefundRequest,
  options: RefundWorkflowOptions = {}
): Promise<RefundOutcome> {
  const run = { timeScale: options.timeScale ?? 1 };
  const outcome = await driveRefund(request, options, run);
  // The backend's signed completion event, delivered (for days if need be) by a child the refund
  // abandons: the refund ends now, and a receiver that is down can never change it.
  if (request.callbackUrl !== undefined && wf.patched('completion-callback')) {
    const event: CompletionEvent = {
      id: `evt_${request.refundId}_${outcome.status.toLowerCase()}`,
      type: `refund.${outcome.status.toLowerCase() as 'succeeded' | 'failed' | 'cancelled'}`,
      refundId: request.refundId,
      status: outcome.status,
      provider: request.provider,
      paymentId: request.paymentId,
      // What moved: the provider's amount where it said one.
      amount:
        outcome.refundedAmountMinor == null
          ? request.amount
          : { amountMinor: outcome.refundedAmountMinor, currency: request.amount.currency },
      providerRefundId: outcome.providerRefundId,
      failure: outcome.failure,
      occurredAt: new Date(Date.now()).toISOString(),
    };
    await wf.startChild(completionCallback, {
      workflowId: completionCallbackWorkflowId(request.refundId),
      args: [request.callbackUrl, event, run.timeScale],
      parentClosePolicy: 'ABANDON',
    });
  }
  return outcome;
}

/**
 * The policy a refund runs under: from its worker's configuration (recorded in history), or for
 * refunds started before the `worker-refund-policy` patch, from what their client passed.
 */
async function policyFor(
  request: RefundRequest,
  options: RefundWorkflowOptions
): Promise<RefundPolicy & { readonly fromWorker: boolean }> {
  if (wf.patched('worker-refund-policy')) {
    const policy = await refundPolicyCalls.refundPolicy({
      currency: request.amount.currency,
      requestedTimeScale: options.timeScale ?? 1,
    });
    return { ...policy, fromWorker: true };
  }
  return {
    approvalThresholdMinor: options.approvalThresholdMinor ?? null,
    approvalDeadlineMs: options.approvalDeadlineMs ?? DEFAULT_APPROVAL_DEADLINE_MS,
    timeScale: options.timeScale ?? 1,
    note: null,
    fromWorker: false,
  };
}

async function driveRefund(
  request: RefundRequest,
  options: RefundWorkflowOptions,
  /** Filled in here: the time scale the worker granted, which the completion callback runs at too. */
  run: { timeScale: number }
): Promise<RefundOutcome> {
  const record = new RefundRecord(request, options.initiatedBy ?? null);
  const profile: ProviderProfile = profileOf(request.provider);
  const provider = request.provider;
  const scaled = (ms: number): number => Math.max(1, Math.round(ms * run.timeScale));
  const taskQueue = profile.taskQueueSuffix && {
    taskQueue: `${wf.workflowInfo().taskQueue}-${profile.taskQueueSuffix}`,
  };

  let approval: OperatorAction | undefined;
  let cancellation: OperatorAction | undefined;
  let resolution: ResolveAction | undefined;
  let providerEvents = 0;
  const seenEvents = new Set<string>();

  wf.setHandler(stateQuery, () => record.state);

  /** One operator action, from a signal or an update: accepted or refused, and recorded either way. */
  function approveAction(action: OperatorAction): ActionResult {
    if (!isOperatorAction(action)) return refuseMalformed('approve', action);
    // Four eyes: whoever started the refund cannot also let it through.
    if (action.actor !== undefined && action.actor === options.initiatedBy) {
      return act('approve', action, false, `four eyes: ${action.actor} started this refund and cannot approve it`);
    }
    const open = record.status === 'AWAITING_APPROVAL' && !approval && !cancellation;
    if (open) approval = action;
    return act('approve', action, open, open ? 'approved' : `nothing to approve: the refund is ${record.status}`);
  }

  function cancelAction(action: OperatorAction): ActionResult {
    if (!isOperatorAction(action)) return refuseMalformed('cancel', action);
    const open = (record.status === 'RECEIVED' || record.status === 'AWAITING_APPROVAL') && !approval && !cancellation;
    if (open) cancellation = action;
    const note = open
      ? 'cancelled before reaching the provider'
      : record.isFinal
        ? `cannot cancel: the refund is already ${record.status}`
        : `cannot cancel: the refund has been sent to ${provider}, which cannot recall it; it goes on`;
    return act('cancel', action, open, note);
  }

  function escalateAction(action: OperatorAction): ActionResult {
    if (!isOperatorAction(action)) return refuseMalformed('escalate', action);
    if (record.isFinal) return act('escalate', action, false, `the refund is already ${record.status}`);
    record.raiseAttention(`escalated by ${action.by}: ${action.reason}`);
    return act('escalate', action, true, 'NeedsAttention raised');
  }

  function resolveAction(action: ResolveAction): ActionResult {
    if (!isOperatorAction(action) || (action.outcome !== 'SUCCEEDED' && action.outcome !== 'FAILED')) {
      return refuseMalformed('resolve', action);
    }
    // Before the provider has it, a refund is approved or cancelled, not resolved: a resolution
    // taken there would let the refund go on to the provider and then end with the operator's word.
    const beforeProvider = record.status === 'RECEIVED' || record.status === 'AWAITING_APPROVAL';
    const open = record.state.needsAttention && !record.isFinal && !resolution && !beforeProvider;
    if (open) resolution = action;
    return act(
      'resolve',
      action,
      open,
      open
        ? `resolved ${action.outcome}`
        : beforeProvider
          ? `nothing to resolve yet: the refund is ${record.status}; approve or cancel it`
          : 'nothing to resolve: the refund does not need attention'
    );
  }

  function act(
    signal: 'approve' | 'cancel' | 'escalate' | 'resolve',
    action: OperatorAction,
    accepted: boolean,
    note: string
  ): ActionResult {
    record.recordAction({ signal, by: action.by, actor: action.actor, reason: action.reason, accepted, note });
    return { accepted, note, status: record.status };
  }

  wf.setHandler(approveSignal, (action) => void approveAction(action));
  wf.setHandler(cancelSignal, (action) => void cancelAction(action));
  wf.setHandler(escalateSignal, (action) => void escalateAction(action));
  wf.setHandler(resolveSignal, (action) => void resolveAction(action));
  wf.setHandler(approveUpdate, approveAction);
  wf.setHandler(cancelUpdate, cancelAction);
  wf.setHandler(escalateUpdate, escalateAction);
  wf.setHandler(resolveUpdate, resolveAction);

  wf.setHandler(providerEventSignal, (event) => {
    // A hint only: it makes the workflow read the refund from the provider now. Duplicates, stale
    // events and events for refunds that are not waiting change nothing.
    if (typeof event?.eventId !== 'string' || !profile.eventDriven || record.isFinal) return;
    if (seenEvents.has(event.eventId)) return;
    if (seenEvents.size < MAX_PROVIDER_EVENTS) seenEvents.add(event.eventId);
    else if (!wf.patched('provider-event-flood')) return;
    providerEvents += 1;
  });

  function refuseMalformed(signal: 'approve' | 'cancel' | 'escalate' | 'resolve', payload: unknown): ActionResult {
    wf.log.warn('operator action with a malformed payload ignored', { signal, payload });
    const note = 'malformed payload: expected {"reason": string, "by": string} (and "outcome" for resolve)';
    record.recordAction({ signal, by: 'unknown', reason: '', accepted: false, note });
    return { accepted: false, note, status: record.status };
  }

  // ── Policy and approval gate ─────────────────────────────────────────────────────────────────
  const policy = await policyFor(request, options);
  run.timeScale = policy.timeScale;
  if (policy.note !== null) wf.log.warn(policy.note, { refundId: request.refundId });
  // Refunds recorded before the patch judged the stated amount alone; they replay that way.
  const approvalNeed = approvalDecision(
    request,
    policy.fromWorker ? profile.fullRefundMoves : 'stated',
    policy.approvalThresholdMinor
  );
  if (approvalNeed.needed && !cancellation) {
    record.moveTo('AWAITING_APPROVAL', approvalNeed.reason, SYSTEM);
    record.waitFor('an approve or cancel signal');
    const decided = await wf.condition(
      () => approval !== undefined || cancellation !== undefined,
      scaled(policy.approvalDeadlineMs)
    );
    if (!decided) {
      record.raiseAttention('approval deadline passed: approve or cancel the refund');
      await wf.condition(() => approval !== undefined || cancellation !== undefined);
    }
  }
  if (cancellation) {
    record.moveTo('CANCELLED', `cancelled: ${cancellation.reason}`, cancellation.by);
    return outcome();
  }
  record.clearAttention();

  // ── Per-payment guard ────────────────────────────────────────────────────────────────────────
  // Refunds started before the guard existed replay without it. A refund with the worker's policy
  // is newer than the guard, so it asks no patch here: a patch marker right after a local
  // activity's marker in one workflow task is what replay cannot always match.
  const guard = { provider, paymentId: request.paymentId };
  let reserved = false;
  if (policy.fromWorker || wf.patched('per-payment-guard')) {
    const reservation = await paymentGuardCalls.reservePayment(guard, {
      refundId: request.refundId,
      amountMinor: request.amount.amountMinor,
      currency: request.amount.currency,
      paymentAmountMinor: request.paymentAmount?.amountMinor ?? null,
    });
    if (!reservation.accepted) {
      record.noteGuard(`refused: ${reservation.reason}`);
      return fail(
        { type: 'ExceedsRefundable', providerCode: undefined, providerMessage: reservation.reason },
        'the per-payment guard refused the refund before any provider call',
        SYSTEM
      );
    }
    reserved = true;
    record.noteGuard(
      reservation.refundableBeforeMinor === null
        ? "the payment's original amount is unknown: only the provider checks how much is refundable"
        : `reserved ${request.amount.amountMinor} of the ${reservation.refundableBeforeMinor} still refundable`
    );
  }

  // ── Submission ───────────────────────────────────────────────────────────────────────────────
  record.moveTo(
    'SUBMITTING',
    approval
      ? `approved by ${approval.by}${approval.actor === undefined ? '' : ` (${approval.actor})`}: ${approval.reason}`
      : 'sending the refund to the provider',
    approval?.by ?? SYSTEM
  );
  let submission = 1;
  let accepted: SubmitOutcome | undefined;
  while (accepted === undefined) {
    record.waitFor(`${provider} to answer the refund request`);
    const result = await submit(submission);
    if (result.kind === 'done') {
      accepted = result.outcome;
      break;
    }
    if (result.kind === 'declined') return fail(result.failure);
    if (result.kind === 'retry-later' && profile.retryLater) {
      record.raiseAttention(
        `${provider}: ${result.failure.type} (${result.failure.providerCode ?? ''}); a new attempt follows automatically`
      );
      record.waitFor(`the next attempt, or a resolve signal`);
      if (await wf.condition(() => resolution !== undefined, scaled(profile.retryLater.delayMs))) return resolve();
      submission += 1;
      continue;
    }
    return awaitResolution(
      result.kind === 'attention'
        ? result.reason
        : result.kind === 'deadline'
          ? `${result.message}; whether the refund reached ${provider} is unknown`
          : `${provider}: no definite answer`
    );
  }
  if (accepted.kind === 'succeeded') return succeed(accepted.providerRefundId, accepted.amountMinor);

  // ── Waiting for the provider ─────────────────────────────────────────────────────────────────
  record.setProviderRefund(accepted.providerRefundId);
  record.moveTo(
    profile.pendingStatus,
    profile.pendingStatus === 'PENDING_REVIEW'
      ? `${provider} is reviewing the refund request`
      : `${provider} accepted the refund`,
    provider
  );
  return awaitProviderOutcome(accepted.providerRefundId);

  // ── Steps ────────────────────────────────────────────────────────────────────────────────────

  /** One submission: Temporal retries it, or (providers without idempotency) the workflow resends. */
  async function submit(n: number): Promise<StepResult> {
    const resendsByWorkflow = profile.submitRetries === 'workflow';
    const call = wf.proxyActivities<Record<string, SubmitCall>>({
      ...taskQueue,
      startToCloseTimeout: profile.submit.startToCloseMs,
      // Room for two whole attempts beyond the retry window, whatever the time scale: an attempt
      // whose worker died is retried after its start-to-close timeout, and a Retry-After must fit.
      scheduleToCloseTimeout: scaled(profile.submit.scheduleToCloseMs) + 2 * profile.submit.startToCloseMs,
      retry: resendsByWorkflow
        ? { maximumAttempts: 1 }
        : {
            initialInterval: scaled(profile.submit.retry.initialIntervalMs),
            backoffCoefficient: profile.submit.retry.backoffCoefficient,
            maximumInterval: scaled(profile.submit.retry.maximumIntervalMs),
          },
      summary: `${provider}: submit refund of ${request.amount.amountMinor} ${request.amount.currency} (payment ${request.paymentId})`,
    })[`${provider}SubmitRefund`];
    if (call === undefined) throw new Error(`no submit activity for ${provider}`);

    for (let resend = 0; ; resend += 1) {
      let result: StepResult;
      try {
        const submitted = await call({ request, submission: n });
        record.recordAttempt({ step: 'submit', submission: n, outcome: submitted.kind });
        return { kind: 'done', outcome: submitted };
      } catch (err) {
        result = classify(err);
      }
      recordFailedStep('submit', n, result);
      if (result.kind !== 'not-processed') return result;
      if (resend >= MAX_WORKFLOW_RESENDS) {
        return {
          kind: 'attention',
          reason: `${provider} did not process the refund after ${resend + 1} tries: ${result.message}`,
        };
      }
      const backoff = Math.min(
        profile.submit.retry.initialIntervalMs * profile.submit.retry.backoffCoefficient ** resend,
        profile.submit.retry.maximumIntervalMs
      );
      await wf.sleep(scaled(backoff));
    }
  }

  /**
   * Reads the refund's status until it is final. Each read is an attempt of one long-lived activity
   * (the retry policy is the poll loop), so days of waiting add no history. A provider event, or
   * an operator's `resolve`, interrupts the wait; the poll deadline raises `NeedsAttention` and slows
   * the reads down, but they go on until the refund appears or a person resolves it.
   */
  async function awaitProviderOutcome(providerRefundId: string | null): Promise<RefundOutcome> {
    const started = Date.now();
    let deadlinePassed = false;
    for (;;) {
      if (resolution) return resolve();
      const intervalMs = Math.max(
        MIN_POLL_INTERVAL_MS,
        scaled(deadlinePassed ? profile.poll.slowIntervalMs : profile.poll.intervalMs)
      );
      const remaining = scaled(profile.poll.deadlineMs) - (Date.now() - started);
      record.waitFor(
        profile.pendingStatus === 'PENDING_REVIEW'
          ? `${provider} to approve the refund (reading its status every ${Math.round(intervalMs / 60_000)} min)`
          : `${provider} to complete the refund`
      );
      const poll = wf.proxyActivities<Record<string, PollCall>>({
        ...taskQueue,
        startToCloseTimeout: profile.submit.startToCloseMs,
        ...(!deadlinePassed && { scheduleToCloseTimeout: Math.max(1, remaining) }),
        retry: { initialInterval: intervalMs, backoffCoefficient: 1, maximumInterval: intervalMs },
        cancellationType: wf.ActivityCancellationType.TRY_CANCEL,
        summary: `${provider}: read refund status until final`,
      })[`${provider}PollRefund`];
      if (poll === undefined) throw new Error(`no poll activity for ${provider}`);

      const eventsBefore = providerEvents;
      const scope = new wf.CancellationScope();
      const step = await scope.run(() =>
        Promise.race([
          poll({ request, submission, providerRefundId, intervalMs, jitter: profile.poll.jitter }).then(
            // Without `mode`, a poll returns only `succeeded`.
            (polled): StepResult => ({ kind: 'done', outcome: polled as SubmitOutcome }),
            (err: unknown): StepResult => classify(err)
          ),
          wf.condition(() => resolution !== undefined || providerEvents > eventsBefore).then(() => undefined),
        ])
      );
      scope.cancel();
      if (step === undefined) continue; // an event or a resolution: read again now, or resolve
      if (step.kind === 'done') {
        if (step.outcome.kind === 'succeeded') return succeed(step.outcome.providerRefundId, step.outcome.amountMinor);
        continue;
      }
      recordFailedStep('poll', submission, step);
      if (step.kind === 'declined') return fail(step.failure);
      if (step.kind === 'deadline' && !deadlinePassed) {
        deadlinePassed = true;
        record.raiseAttention(profile.poll.deadlineReason);
        continue;
      }
      if (step.kind === 'deadline') continue;
      return awaitResolution(step.kind === 'attention' ? step.reason : `${provider}: ${step.kind}`);
    }
  }

  /** Sorts an activity failure into what the workflow does next. */
  function classify(err: unknown): StepResult {
    if (!(err instanceof wf.ActivityFailure)) throw err;
    const cause = err.cause;
    // Retries stopped by the schedule-to-close deadline: when the next retry would land past it, the
    // server fails the activity at once with the last attempt's failure (a pending read, a 5xx)
    // rather than a timeout. Either way it is the deadline, not the provider's answer.
    if (
      err.retryState === 'TIMEOUT' &&
      cause instanceof wf.ApplicationFailure &&
      !cause.nonRetryable &&
      wf.patched('deadline-by-retry-state')
    ) {
      return { kind: 'deadline', message: `${provider}: no final answer in time (last: ${cause.message})` };
    }
    if (cause instanceof wf.ApplicationFailure) {
      const type = cause.type ?? 'Error';
      const details = cause.details?.[0] as ProviderFailureDetails | undefined;
      const failure: RefundFailure = {
        type,
        providerCode: details?.code,
        providerMessage: details?.message ?? cause.message,
      };
      if (type === 'ProviderNotProcessed') return { kind: 'not-processed', message: cause.message };
      if (profile.retryLater?.types.includes(type)) return { kind: 'retry-later', failure };
      if (attentionFailureTypes.has(type) || !cause.nonRetryable) {
        return { kind: 'attention', reason: `${provider}: ${cause.message}`, failure };
      }
      return { kind: 'declined', failure };
    }
    if (cause instanceof wf.TimeoutFailure) {
      // Retries ran out before the schedule-to-close deadline, or a single attempt's worker vanished.
      const last = cause.cause?.message;
      return { kind: 'deadline', message: `${provider}: no final answer in time${last ? ` (last: ${last})` : ''}` };
    }
    return { kind: 'attention', reason: `${provider}: ${cause?.message ?? err.message}` };
  }

  function recordFailedStep(step: 'submit' | 'poll', n: number, result: StepResult): void {
    if (result.kind === 'done') return;
    const failure = 'failure' in result ? result.failure : undefined;
    const message =
      'message' in result ? result.message : 'reason' in result ? result.reason : failure?.providerMessage;
    const outcomeOf = {
      declined: 'failed',
      'retry-later': 'retry-later',
      'not-processed': 'not-processed',
      deadline: 'deadline',
      attention: 'unknown',
    } as const;
    record.recordAttempt({
      step,
      submission: n,
      outcome: outcomeOf[result.kind],
      code: failure?.providerCode,
      message,
    });
  }

  /** No definite answer: a person must find out and resolve. Nothing is sent again meanwhile. */
  async function awaitResolution(reason: string): Promise<RefundOutcome> {
    record.raiseAttention(reason);
    record.waitFor('an operator to find out what happened and send resolve');
    await wf.condition(() => resolution !== undefined);
    return resolve();
  }

  function resolve(): RefundOutcome | Promise<RefundOutcome> {
    const action = resolution!;
    if (action.outcome === 'FAILED') {
      record.setFailure({ type: 'ResolvedByOperator', providerCode: undefined, providerMessage: action.reason });
    }
    return afterGuard(action.outcome === 'SUCCEEDED', () => {
      record.moveTo(action.outcome, `resolved by operator: ${action.reason}`, action.by);
      return outcome();
    });
  }

  function succeed(providerRefundId: string, amountMinor: number | null): RefundOutcome | Promise<RefundOutcome> {
    record.setProviderRefund(providerRefundId, amountMinor);
    // The amount that moved is the provider's: searchable as such, and a person looks at why it is
    // not what was asked (a full refund of what was left, or a provider that changed it). Asked
    // before the guard's local activity, never after it in the same workflow task.
    const requested = request.amount.amountMinor;
    const differs = amountMinor !== null && amountMinor !== requested && wf.patched('refunded-amount-differs');
    return afterGuard(true, () => {
      record.moveTo('SUCCEEDED', `${provider} refunded the payment`, provider);
      if (differs) record.refundedOtherAmount(amountMinor);
      return outcome();
    });
  }

  function fail(
    failure: RefundFailure,
    cause = `${provider} refused the refund: ${failure.type}`,
    by: string = provider
  ): RefundOutcome | Promise<RefundOutcome> {
    record.setFailure(failure);
    return afterGuard(false, () => {
      record.moveTo('FAILED', cause, by);
      return outcome();
    });
  }

  /**
   * Settles the payment guard's reservation, then ends the refund: a failed refund releases it; a
   * refund that succeeded with another amount than it reserved commits what was refunded; one that
   * refunded exactly what it reserved leaves the reservation as it is, holding that amount for good,
   * which spares the guard a workflow task per refund (refunds recorded before the
   * `guard-holds-on-success` patch commit it). Without a reservation it ends the refund at once, in
   * the same microtask: refunds recorded before the guard existed replay with their commands in the
   * same order.
   */
  function afterGuard(refunded: boolean, end: () => RefundOutcome): RefundOutcome | Promise<RefundOutcome> {
    if (!reserved) return end();
    reserved = false;
    const settle = {
      refundId: request.refundId,
      amountMinor: record.state.refundedAmountMinor ?? request.amount.amountMinor,
    };
    if (refunded && settle.amountMinor === request.amount.amountMinor && wf.patched('guard-holds-on-success')) {
      return end();
    }
    const call = refunded
      ? paymentGuardCalls.commitPayment(guard, settle)
      : paymentGuardCalls.releasePayment(guard, settle);
    return call.then(end);
  }

  function outcome(): RefundOutcome {
    const { status, providerRefundId, failure, refundedAmountMinor } = record.state;
    if (status !== 'SUCCEEDED' && status !== 'FAILED' && status !== 'CANCELLED') {
      throw new Error(`refund ended in a non-final status ${status}`);
    }
    return { status, providerRefundId, failure, refundedAmountMinor };
  }
}

function isOperatorAction(value: unknown): value is OperatorAction {
  const v = value as Partial<OperatorAction> | null | undefined;
  return (
    typeof v?.by === 'string' &&
    v.by.trim() !== '' &&
    typeof v.reason === 'string' &&
    (v.actor === undefined || typeof v.actor === 'string')
  );
}
