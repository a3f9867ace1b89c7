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
      /**
       * True when this call took the reservation, false when the refund's run held it already (an
       * earlier call took it, perhaps in a workflow task that was never recorded and had sent the
       * refund). Absent from guards that ran code before the field: then nobody can tell.
       */
      readonly fresh?: boolean;
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
  /**
   * The answers to the latest refund calls, by update id (at most {@link MAX_ANSWERED_CALLS}),
   * carried through continue-as-new and a resume: a call made again (a replayed workflow task, a
   * retry) is answered as the first time, also by a later run of the guard, which the server's
   * own deduplication (one run only) does not cover.
   */
  readonly answered?: Readonly<Record<string, { readonly result?: unknown }>>;
}

/** How many answers a guard keeps for calls made again: far more than one payment's refunds make at once. */
export const MAX_ANSWERED_CALLS = 200;

/**
 * How long a synchronous provider's reservation may take inside its request's local activity
 * (src/activities/submit-in-task.ts) before it gives up, having sent nothing.
 */
export const IN_TASK_RESERVATION_MS = 5_000;

/** The update ids of refund calls, which are made again with the same id; others (random) are not kept. */
export const REFUND_CALL_ID_PREFIX = 'call:';

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

/** What a guard's resume starts its next run with. */
export interface PaymentGuardResumeInput {
  readonly guardId: string;
  readonly ledger: PaymentGuardState;
}
