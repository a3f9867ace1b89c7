/** What a refund asks its worker at start (the `refundPolicy` local activity). Workflow-safe. */
export interface RefundPolicyInput {
  readonly currency: string;
  /**
   * Only in refunds started before the time scale became the worker's setting (REFUND_TIME_SCALE):
   * what their starter asked for. Ignored.
   */
  readonly requestedTimeScale?: number;
}

/** The worker's answer, recorded in the refund's history and used for the rest of its life. */
export interface RefundPolicy {
  /** Refunds of more than this (minor units of the refund's currency) wait for `approve`; null: none do. */
  readonly approvalThresholdMinor: number | null;
  readonly approvalDeadlineMs: number;
  /** The time scale the refund runs at: its worker's REFUND_TIME_SCALE (1 in production). */
  readonly timeScale: number;
  /**
   * Whether a synchronous provider's reservation and first request go in one local activity of the
   * refund's workflow task (the worker's REFUND_SUBMIT_IN_TASK). Absent in refunds started before.
   */
  readonly submitInTask?: boolean;
  /**
   * Set only in refunds started before the time scale became a worker setting, when a production
   * worker refused the scale their starter asked for.
   */
  readonly note: string | null;
}
