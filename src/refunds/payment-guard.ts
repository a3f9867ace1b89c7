import * as wf from '@temporalio/workflow';

/**
 * The per-payment guard: one long-lived entity workflow per payment, `payment-<provider>-<paymentId>`,
 * that serialises that payment's refunds so that concurrent partial refunds never add up to more
 * than was paid. A refund reserves its amount before it reaches the provider and releases it when
 * it fails. When it succeeds with the amount it reserved, the reservation simply stays: it holds
 * that amount for good, and the guard needs no word (and no workflow task) for it. Only a refund
 * that succeeded with another amount than it reserved commits what was actually refunded (as did
 * every success before the `guard-holds-on-success` patch). Updates, so each caller gets its answer.
 */

export interface ReserveInput {
  readonly refundId: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** The payment's original amount when the caller knows it; without it only the provider checks. */
  readonly paymentAmountMinor: number | null;
  /**
   * The provider takes one refund request per payment (SecPaid: one per link): any other refund
   * holding or having held an amount of the payment refuses this one.
   */
  readonly exclusive?: boolean;
  /**
   * The refund workflow run that reserves. A refund the guard already knows, reserved by another
   * run (a reset, a re-run of the same refundId), is refused: only its first run may reach the
   * provider. Absent for refunds recorded before the guard kept runs.
   */
  readonly runId?: string;
}

export type ReserveResult =
  | {
      readonly accepted: true;
      /** What was still refundable before this reservation; null when the original amount is unknown. */
      readonly refundableBeforeMinor: number | null;
    }
  | {
      readonly accepted: false;
      readonly reason: string;
      readonly refundableBeforeMinor: number | null;
      /** `rerun`: another run of this refund reserved first; it may have reached the provider. */
      readonly refusal?: 'rerun';
    };

export interface SettleInput {
  readonly refundId: string;
  /** What the provider actually refunded, when it said; else the reserved amount. */
  readonly amountMinor?: number | null;
}

export interface PaymentGuardState {
  readonly provider: string;
  readonly paymentId: string;
  readonly currency: string | null;
  readonly paymentAmountMinor: number | null;
  /**
   * Reservations not released: refunds on their way to the provider, waiting for it, or that
   * succeeded with exactly the amount they reserved.
   */
  readonly reserved: Readonly<Record<string, number>>;
  /** Refunds that succeeded with another amount than they reserved (or before the patch), with what they refunded. */
  readonly committed: Readonly<Record<string, number>>;
  /** The run that reserved, per refund (absent in guards recorded before runs were kept). */
  readonly runs?: Readonly<Record<string, string>>;
  /** Refunds whose reservation was released, with the amount (a tombstone: released, not forgotten). */
  readonly released?: Readonly<Record<string, number>>;
  /** Reservations an operator released by hand (a refund that was terminated while holding one). */
  readonly operatorReleases?: readonly OperatorRelease[];
  /**
   * How long the guard stays open without an update before it completes with this state as its
   * result (PAYMENT_GUARD_QUIET_WINDOW_MS); set by each start, so a resumed guard takes today's.
   */
  readonly quietWindowMs?: number;
  /** The earlier runs this ledger was carried through (completed after a quiet window), newest last, at most 10. */
  readonly resumedFrom?: readonly string[];
}

/** An operator's release of a leaked reservation: who, why, and what it held. */
export interface OperatorRelease {
  readonly refundId: string;
  readonly amountMinor: number;
  readonly reason: string;
  readonly by: string;
  readonly actor?: string | undefined;
  readonly at: string;
}

export interface OperatorReleaseInput {
  readonly refundId: string;
  readonly reason: string;
  readonly by: string;
  readonly actor?: string;
}

/**
 * A refund's next run (continue-as-new) takes over from the run the guard knows. Refused when
 * that is not the run it continues: a reset of a continued run may not reach the provider again.
 */
export interface HandoverInput {
  readonly refundId: string;
  /** The run this one continues (`continuedFromExecutionRunId`). */
  readonly fromRunId: string;
  readonly runId: string;
}

export type HandoverResult = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

export const reserveUpdate = wf.defineUpdate<ReserveResult, [ReserveInput]>('reserve');
export const handoverUpdate = wf.defineUpdate<HandoverResult, [HandoverInput]>('handover');
export const releaseUpdate = wf.defineUpdate<void, [SettleInput]>('release');
export const commitUpdate = wf.defineUpdate<void, [SettleInput]>('commit');
export const guardStateQuery = wf.defineQuery<PaymentGuardState>('guardState');
/** Releases a reservation its refund can no longer release (it was terminated); refused before history otherwise. */
export const operatorReleaseUpdate = wf.defineUpdate<OperatorRelease, [OperatorReleaseInput]>('operatorRelease');

/**
 * Guards run on a task queue of their own, `<refunds queue>-guard`, served by a worker of their
 * own in every worker process: a refund's workflow task waits (in a local activity) for its guard's
 * update, and if guards shared the refunds' workflow-task slots, a thousand refunds starting at
 * once would hold every slot while their guards waited for one (found by `npm run soak`).
 */
export const PAYMENT_GUARD_TASK_QUEUE_SUFFIX = 'guard';

export function paymentGuardWorkflowId(provider: string, paymentId: string): string {
  return `payment-${provider}-${paymentId}`;
}

/** The one-shot workflow that starts a closed guard's next run from its ledger: one per closed run. */
export function paymentGuardResumeWorkflowId(guardId: string, closedRunId: string): string {
  return `${guardId}-resume-${closedRunId}`;
}

/** What a guard's resume starts its next run with. */
export interface PaymentGuardResumeInput {
  readonly guardId: string;
  readonly ledger: PaymentGuardState;
}
