import * as wf from '@temporalio/workflow';

import type { RefundRequest } from '../providers';
import { NeedsAttentionKey, RefundAmountKey, RefundStatusKey } from '../contract';
import { formatMoney } from '../refunds/minor-units';
import type { OperatorActionRecord, ProviderAttempt, RefundFailure, RefundState } from '../refunds/state';
import { canMoveTo, isFinal } from '../refunds/status';
import type { RefundStatus } from '../refunds/status';

/** Operator actions kept in the state: enough for any real refund, bounded against a flood. */
const MAX_ACTIONS = 50;
/** Provider attempts kept in the state (the newest); a 90-day retry-later loop makes hundreds. */
const MAX_ATTEMPTS = 100;

const now = (): string => new Date(Date.now()).toISOString();

/**
 * The refund's record inside its workflow: the state the `state` query returns, changed only
 * through these methods, which keep the status moving forward and mirror it into the search
 * attributes (`RefundStatus`, `NeedsAttention`) that operators query.
 */
export class RefundRecord {
  private current: RefundState;

  constructor(
    private readonly request: RefundRequest,
    initiatedBy: string | null = null,
    /** The record an earlier run of this refund carried over (continue-as-new). */
    continued?: RefundState
  ) {
    if (continued) {
      this.current = continued;
      this.showDetails();
      return;
    }
    this.current = {
      refundId: request.refundId,
      provider: request.provider,
      paymentId: request.paymentId,
      amount: request.amount,
      full: request.full,
      requestedBy: request.requestedBy,
      initiatedBy,
      status: 'RECEIVED',
      needsAttention: false,
      attentionReason: null,
      waitingFor: null,
      providerRefundId: null,
      refundedAmountMinor: null,
      failure: null,
      paymentGuard: null,
      attempts: [],
      transitions: [{ from: null, to: 'RECEIVED', at: now(), cause: 'refund requested', by: request.requestedBy }],
      actions: [],
    };
  }

  /**
   * What the Temporal UI shows under "Current details": the status, what the refund waits for, and
   * why a person is needed. Metadata, not a command: it never affects replay.
   */
  private showDetails(): void {
    const s = this.current;
    const lines = [
      `**${s.status}**${s.needsAttention ? ' · ⚠ needs attention' : ''}`,
      `${s.provider} refund of ${formatMoney(s.amount.amountMinor, s.amount.currency)} for payment ${s.paymentId}`,
    ];
    if (typeof s.refundedAmountMinor === 'number' && s.refundedAmountMinor !== s.amount.amountMinor) {
      lines.push(`Refunded: ${formatMoney(s.refundedAmountMinor, s.amount.currency)}`);
    }
    if (s.attentionReason) lines.push(`Attention: ${s.attentionReason}`);
    if (s.waitingFor) lines.push(`Waiting for: ${s.waitingFor}`);
    if (s.failure)
      lines.push(
        `Failure: ${s.failure.type} ${s.failure.providerCode ?? ''} ${s.failure.providerMessage ?? ''}`.trim()
      );
    wf.setCurrentDetails(lines.join('\n\n'));
  }

  get state(): RefundState {
    return this.current;
  }

  get status(): RefundStatus {
    return this.current.status;
  }

  get isFinal(): boolean {
    return isFinal(this.current.status);
  }

  /** Moves to `to` if that is forward; a backward or repeated move changes nothing. */
  moveTo(to: RefundStatus, cause: string, by: string): boolean {
    if (!canMoveTo(this.current.status, to)) return false;
    this.current = {
      ...this.current,
      status: to,
      waitingFor: isFinal(to) ? null : this.current.waitingFor,
      transitions: [...this.current.transitions, { from: this.current.status, to, at: now(), cause, by }],
    };
    wf.upsertSearchAttributes([{ key: RefundStatusKey, value: to }]);
    if (isFinal(to)) {
      this.clearAttention();
      wf.metricMeter
        .createCounter('refunds_completed', 'refunds', 'Refunds that reached a final status, by provider and outcome')
        .add(1, { provider: this.request.provider, outcome: to });
    }
    this.showDetails();
    return true;
  }

  raiseAttention(reason: string): void {
    const wasRaised = this.current.needsAttention;
    this.current = { ...this.current, needsAttention: true, attentionReason: reason };
    if (!wasRaised) {
      wf.upsertSearchAttributes([{ key: NeedsAttentionKey, value: true }]);
      wf.metricMeter
        .createCounter('refunds_needing_attention', 'refunds', 'Times a refund asked for a person, by provider')
        .add(1, { provider: this.request.provider });
    }
    this.showDetails();
  }

  clearAttention(): void {
    if (!this.current.needsAttention) return;
    this.current = { ...this.current, needsAttention: false, attentionReason: null };
    wf.upsertSearchAttributes([{ key: NeedsAttentionKey, value: false }]);
    this.showDetails();
  }

  waitFor(what: string | null): void {
    this.current = { ...this.current, waitingFor: what };
    this.showDetails();
  }

  recordAttempt(attempt: Omit<ProviderAttempt, 'at'>): void {
    const attempts = [...this.current.attempts, { ...attempt, at: now() }];
    this.current = { ...this.current, attempts: attempts.slice(-MAX_ATTEMPTS) };
  }

  recordAction(action: Omit<OperatorActionRecord, 'at'>): void {
    const actions = [...this.current.actions, { ...action, at: now() }];
    this.current = { ...this.current, actions: actions.slice(-MAX_ACTIONS) };
  }

  setProviderRefund(id: string | null, amountMinor: number | null = this.current.refundedAmountMinor): void {
    this.current = {
      ...this.current,
      providerRefundId: id ?? this.current.providerRefundId,
      refundedAmountMinor: amountMinor,
    };
  }

  /**
   * The provider refunded another amount than requested: `RefundAmount` becomes what moved, and a
   * person is asked why (raised after the final status, so it stays on the ended refund).
   */
  refundedOtherAmount(amountMinor: number): void {
    const { amount, provider } = this.current;
    wf.upsertSearchAttributes([{ key: RefundAmountKey, value: amountMinor }]);
    this.raiseAttention(
      `${provider} refunded ${formatMoney(amountMinor, amount.currency)}, not the ${formatMoney(amount.amountMinor, amount.currency)} requested`
    );
  }

  noteGuard(note: string): void {
    this.current = { ...this.current, paymentGuard: note };
  }

  setFailure(failure: RefundFailure): void {
    this.current = { ...this.current, failure };
  }
}
