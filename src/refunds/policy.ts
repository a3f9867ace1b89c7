/** What a refund asks its worker at start (the `refundPolicy` local activity). Workflow-safe. */
export interface RefundPolicyInput {
  readonly currency: string;
  /** The time scale its starter asked for (1 unless a development or test client asked otherwise). */
  readonly requestedTimeScale: number;
}

/** The worker's answer, recorded in the refund's history and used for the rest of its life. */
export interface RefundPolicy {
  /** Refunds of more than this (minor units of the refund's currency) wait for `approve`; null: none do. */
  readonly approvalThresholdMinor: number | null;
  readonly approvalDeadlineMs: number;
  /** The time scale the refund runs at: the requested one in development and test, else 1. */
  readonly timeScale: number;
  /** Set when the worker refused what was asked (a time scale in production). */
  readonly note: string | null;
}
