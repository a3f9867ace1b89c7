import type { RefundFailure } from '../../refunds/state';

/** Per-start settings the client passes. */
export interface RefundWorkflowOptions {
  /**
   * Before the `worker-refund-policy` patch only: the client's approval threshold. Refunds started
   * since take their thresholds from the worker's configuration and ignore this.
   */
  readonly approvalThresholdMinor?: number | null;
  /** Before the `worker-refund-policy` patch only, like the threshold. */
  readonly approvalDeadlineMs?: number;
  /**
   * Multiplies every wait (poll intervals, deadlines, retry backoffs, approval deadline). Honoured
   * only by a development or test worker; production runs at 1. Tests against the dev server use a
   * small value to run days of lifecycle in seconds.
   */
  readonly timeScale?: number;
  /** The authenticated identity that started the refund (API token name): it may not approve it. */
  readonly initiatedBy?: string;
}

/** The final word of a refund workflow: its result, as well as its last `state`. */
export interface RefundOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  readonly providerRefundId: string | null;
  /** What the provider says it refunded, when it says (minor units of the refund's currency). */
  readonly refundedAmountMinor?: number | null;
  readonly failure: RefundFailure | null;
}
