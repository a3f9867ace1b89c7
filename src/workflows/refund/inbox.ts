import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/workflow';

import {
  approveSignal,
  approveUpdate,
  cancelSignal,
  cancelUpdate,
  escalateSignal,
  escalateUpdate,
  providerEventSignal,
  ReconcilerStalledKey,
  reconcilerHealthSignal,
  resolveSignal,
  resolveUpdate,
  stateQuery,
} from '../../contract';
import type { ActionResult, OperatorAction, ReconcilerHealth, ResolveAction } from '../../refunds/actions';
import type { OrchestratorErrorType } from '../../refunds/failures';
import type { RefundRecord } from '../refund-record';

import type { ContinuedRefund } from './types';

type ActionName = 'approve' | 'cancel' | 'escalate' | 'resolve';

/** Provider event ids remembered to drop duplicates; past it, events still trigger reads. */
const MAX_PROVIDER_EVENTS = 100;

/**
 * What operators and providers send a refund: approve, cancel, escalate, resolve (as signals and
 * as updates), provider events and the `state` query. It decides only whether each is taken now;
 * the refund's steps read what was taken.
 */
export class RefundInbox {
  approval: OperatorAction | undefined;
  cancellation: OperatorAction | undefined;
  resolution: ResolveAction | undefined;
  escalated = false;
  providerEvents = 0;
  /** The provider's reconciler, which reads for this refund, has stalled (since when, why); null while it works. */
  reconcilerStalled: ReconcilerHealth | null = null;
  /** Set by the refund's driver: the reason of the first attention cause the core holds, if any. */
  coreAttention: () => string | undefined = () => undefined;
  /** Set by the refund's driver: why a resolve cannot be taken now, or null when it can. */
  resolveRefusal: () => string | null = () =>
    `nothing to resolve yet: the refund is ${this.record.status}; approve or cancel it`;
  /** Set by the gate: whether the refund has not been committed to the provider yet. */
  beforeProvider = true;
  private readonly seenEvents: Set<string> = new Set<string>();

  constructor(
    private readonly record: RefundRecord,
    private readonly initiatedBy: string | undefined,
    private readonly eventDriven: boolean,
    /** A provider's reconciler reads for this refund (SecPaid's): it says when it stalls. */
    private readonly reconciled: boolean,
    /** What an earlier run of this refund took (continue-as-new). */
    continued?: ContinuedRefund['inbox'],
    /**
     * Why a resolve would be refused, when known before the handlers are set: a continued run's
     * first task may carry actions, which are judged as the handlers are set.
     */
    resolveRefusal?: (inbox: RefundInbox) => string | null
  ) {
    if (resolveRefusal) this.resolveRefusal = () => resolveRefusal(this);
    if (continued) {
      this.beforeProvider = continued.beforeProvider;
      this.approval = continued.approval;
      this.cancellation = continued.cancellation;
      this.resolution = continued.resolution;
      this.escalated = continued.escalated;
      this.providerEvents = continued.providerEvents;
      this.seenEvents = new Set(continued.seenEvents);
      this.reconcilerStalled = continued.reconcilerStalled ?? null;
    }
    wf.setHandler(stateQuery, () => record.state);
    wf.setHandler(approveSignal, (a) => void this.approve(a));
    wf.setHandler(cancelSignal, (a) => void this.cancel(a));
    wf.setHandler(escalateSignal, (a) => void this.escalate(a));
    wf.setHandler(resolveSignal, (a) => void this.resolve(a));
    // An update the refund would refuse is rejected by its validator: the caller gets the reason,
    // and nothing reaches history. (A refused signal is in history anyway, so it is recorded.)
    wf.setHandler(approveUpdate, (a) => this.approve(a), {
      validator: (a: OperatorAction) => refuseBefore(this.approveRefusal(a)),
    });
    wf.setHandler(cancelUpdate, (a) => this.cancel(a), {
      validator: (a: OperatorAction) => refuseBefore(this.cancelRefusal(a)),
    });
    wf.setHandler(escalateUpdate, (a) => this.escalate(a), {
      validator: (a: OperatorAction) => refuseBefore(this.escalateRefusal(a)),
    });
    wf.setHandler(resolveUpdate, (a) => this.resolve(a), {
      validator: (a: ResolveAction) => refuseBefore(this.resolveActionRefusal(a)),
    });
    wf.setHandler(providerEventSignal, (event) => {
      // A hint only: it makes the refund read the provider now.
      if (typeof event?.eventId !== 'string' || !this.eventDriven || record.isFinal) return;
      if (this.seenEvents.has(event.eventId)) return;
      if (this.seenEvents.size < MAX_PROVIDER_EVENTS) this.seenEvents.add(event.eventId);
      this.providerEvents += 1;
    });
    wf.setHandler(reconcilerHealthSignal, (health) => {
      if (!this.reconciled || record.isFinal || !isReconcilerHealth(health)) return;
      // Signals of this name reached refunds only from code that handles them (replays before it ignore them).
      if (!wf.patched('reconciler-stall-attention')) return;
      this.reconcilerHealth(health);
    });
    // Last, after every signal the refund takes has its handler (a continued run's buffered
    // signals go to those first): a misspelled or unknown signal (`aprove`) would otherwise be
    // dropped without a word. It is recorded, refused, once per name in a row and at most
    // MAX_UNKNOWN_SIGNALS times, so a flood cannot push the real actions out of the record. (With a
    // default handler the SDK fails the task of a signal named `__temporal_…`, a name reserved to
    // Temporal: docs/operations.md says how to reset past one.)
    wf.setDefaultSignalHandler((name, ...args) => {
      const actions = record.state.actions;
      const unknown = actions.filter((a) => !KNOWN_SIGNALS.includes(a.signal));
      if (unknown.length >= MAX_UNKNOWN_SIGNALS || actions.at(-1)?.signal === name.slice(0, 100)) return;
      const payload = args[0] as { by?: unknown } | undefined;
      record.recordAction({
        signal: name.slice(0, 100),
        by: typeof payload?.by === 'string' ? payload.by.slice(0, 100) : 'unknown',
        reason: '',
        accepted: false,
        note: `no signal named "${name.slice(0, 100)}": nothing done (this refund takes ${KNOWN_SIGNALS.join(', ')})`,
      });
    });
  }

  /** What the next run must know (continue-as-new): only between commands, with no resolve pending. */
  carried(): ContinuedRefund['inbox'] {
    return {
      approval: this.approval,
      cancellation: this.cancellation,
      resolution: this.resolution,
      escalated: this.escalated,
      beforeProvider: this.beforeProvider,
      providerEvents: this.providerEvents,
      seenEvents: [...this.seenEvents],
      reconcilerStalled: this.reconcilerStalled,
    };
  }

  /** A person is asked whatever the core decides: an operator escalated, or the reconciler stalled. */
  get keepsAttention(): boolean {
    return this.escalated || this.reconcilerStalled !== null;
  }

  /**
   * A stalled reconciler asks a person about each refund it reads for while it waits for the
   * provider's review (nobody reads for it but its own weekly read); one that needs a person
   * already keeps its reason. Once the reconciler is back, the attention it raised clears, and a
   * reason the core or an operator raised meanwhile stays.
   */
  private reconcilerHealth(health: ReconcilerHealth): void {
    const record = this.record;
    if (health.stalledSince !== null) {
      if (this.reconcilerStalled !== null || record.status !== 'PENDING_REVIEW') return;
      this.reconcilerStalled = { stalledSince: health.stalledSince, reason: health.reason.slice(0, 200) };
      // The reconciler finds the refunds to tell it is back by this attribute.
      wf.upsertSearchAttributes([{ key: ReconcilerStalledKey, value: true }]);
      if (!record.state.needsAttention)
        record.raiseAttention(stalledReason(record.state.provider, this.reconcilerStalled));
      return;
    }
    if (this.reconcilerStalled === null) return;
    const raised = record.state.attentionReason?.startsWith(STALLED_PREFIX) === true;
    this.reconcilerStalled = null;
    wf.upsertSearchAttributes([{ key: ReconcilerStalledKey, value: false }]);
    if (!raised) return;
    const core = this.coreAttention();
    if (core !== undefined) record.raiseAttention(core);
    else if (!this.escalated) record.clearAttention();
  }

  /** The core holds no cause: the reconciler's stall still asks a person, an escalation keeps its reason, or it clears. */
  showAttentionBesideCore(): void {
    if (this.reconcilerStalled !== null && !this.escalated) {
      this.record.raiseAttention(stalledReason(this.record.state.provider, this.reconcilerStalled));
    } else if (!this.escalated) this.record.clearAttention();
  }

  private approve(action: OperatorAction): ActionResult {
    return this.take('approve', action, this.approveRefusal(action), () => {
      this.approval = action;
      return 'approved';
    });
  }

  private approveRefusal(action: OperatorAction): string | null {
    if (!isOperatorAction(action)) return MALFORMED;
    // Four eyes: whoever started the refund cannot also let it through.
    if (action.actor !== undefined && action.actor === this.initiatedBy) {
      return `four eyes: ${action.actor} started this refund and cannot approve it`;
    }
    const open = this.record.status === 'AWAITING_APPROVAL' && !this.approval && !this.cancellation;
    return open ? null : `nothing to approve: the refund is ${this.record.status}`;
  }

  private cancel(action: OperatorAction): ActionResult {
    return this.take('cancel', action, this.cancelRefusal(action), () => {
      this.cancellation = action;
      return 'cancelled before reaching the provider';
    });
  }

  private cancelRefusal(action: OperatorAction): string | null {
    if (!isOperatorAction(action)) return MALFORMED;
    if (this.beforeProvider && !this.record.isFinal && !this.approval && !this.cancellation) return null;
    return this.record.isFinal
      ? `cannot cancel: the refund is already ${this.record.status}`
      : this.approval
        ? 'cannot cancel: the refund was approved and goes on'
        : `cannot cancel: the refund has been sent to ${this.record.state.provider}, which cannot recall it; it goes on`;
  }

  private escalate(action: OperatorAction): ActionResult {
    return this.take('escalate', action, this.escalateRefusal(action), () => {
      this.escalated = true;
      this.record.raiseAttention(`escalated by ${action.by}: ${action.reason}`);
      return 'NeedsAttention raised';
    });
  }

  private escalateRefusal(action: OperatorAction): string | null {
    if (!isOperatorAction(action)) return MALFORMED;
    return this.record.isFinal ? `the refund is already ${this.record.status}` : null;
  }

  private resolve(action: ResolveAction): ActionResult {
    return this.take('resolve', action, this.resolveActionRefusal(action), () => {
      this.resolution = action;
      return `resolved ${action.outcome}`;
    });
  }

  private resolveActionRefusal(action: ResolveAction): string | null {
    if (!isResolveAction(action)) return MALFORMED;
    return this.record.isFinal
      ? `the refund is already ${this.record.status}`
      : this.resolution
        ? 'already resolved'
        : this.resolveRefusal();
  }

  /** One action, as its refusal says: recorded refused, or taken (`accept` returns the note) and recorded. */
  private take(signal: ActionName, action: OperatorAction, refusal: string | null, accept: () => string): ActionResult {
    if (refusal === MALFORMED) return this.refuseMalformed(signal, action);
    if (refusal !== null) return this.act(signal, action, false, refusal);
    return this.act(signal, action, true, accept());
  }

  private act(signal: ActionName, action: OperatorAction, accepted: boolean, note: string): ActionResult {
    this.record.recordAction({ signal, by: action.by, actor: action.actor, reason: action.reason, accepted, note });
    return { accepted, note, status: this.record.status };
  }

  private refuseMalformed(signal: ActionName, payload: unknown): ActionResult {
    wf.log.warn('operator action with a malformed payload ignored', { signal, payload });
    this.record.recordAction({ signal, by: 'unknown', reason: '', accepted: false, note: MALFORMED });
    return { accepted: false, note: MALFORMED, status: this.record.status };
  }
}

const KNOWN_SIGNALS: readonly string[] = [
  'approve',
  'cancel',
  'escalate',
  'resolve',
  'providerEvent',
  'reconcilerHealth',
];

const STALLED_PREFIX = 'reconciler stalled:';

function stalledReason(provider: string, health: ReconcilerHealth): string {
  return `${STALLED_PREFIX} since ${health.stalledSince} the ${provider} reconciler reads nothing for this refund (${health.reason}), only its own weekly read does: look it up at ${provider}`;
}

function isReconcilerHealth(value: unknown): value is ReconcilerHealth {
  const v = value as Partial<ReconcilerHealth> | null | undefined;
  return (v?.stalledSince === null || typeof v?.stalledSince === 'string') && typeof v.reason === 'string';
}
const MAX_UNKNOWN_SIGNALS = 10;

const MALFORMED = 'malformed payload: expected {"reason": string, "by": string} (and "outcome" for resolve)';

/** A validator's answer: nothing, or the refusal as the update's failure. */
function refuseBefore(refusal: string | null): void {
  if (refusal !== null) {
    throw ApplicationFailure.create({
      message: refusal,
      type: 'ActionRefused' satisfies OrchestratorErrorType,
      nonRetryable: true,
    });
  }
}

function isResolveAction(value: unknown): value is ResolveAction {
  const outcome = (value as Partial<ResolveAction> | null | undefined)?.outcome;
  return isOperatorAction(value) && (outcome === 'SUCCEEDED' || outcome === 'FAILED');
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
