import type { DecisionState } from '../../refunds/decide/machine';
import type { RefundPolicy } from '../../refunds/policy';
import type { OperatorAction, ReconcilerHealth, ResolveAction } from '../../refunds/actions';
import type { RefundFailure, RefundState } from '../../refunds/state';

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
   * In refunds started before the time scale became the worker's setting (REFUND_TIME_SCALE) only:
   * the scale their starter asked for, read by the frozen pre-`decision-core` path so that its
   * histories replay. Refunds started since ignore it; no client sends it.
   */
  readonly timeScale?: number;
  /** The authenticated identity that started the refund (API token name): it may not approve it. */
  readonly initiatedBy?: string;
  /** Set only by the refund itself when it continues as new: where the earlier run left off. */
  readonly continued?: ContinuedRefund;
}

/**
 * What a refund carries into its next run when its history has grown (continue-as-new): its
 * record, what its inbox took, its policy, and where it was. Only between commands, never with a
 * provider call in flight.
 */
export interface ContinuedRefund {
  readonly record: RefundState;
  readonly policy: RefundPolicy;
  readonly inbox: {
    readonly approval: OperatorAction | undefined;
    readonly cancellation: OperatorAction | undefined;
    /** A resolve taken in the moment of handing over: the next run acts on it first. */
    readonly resolution: ResolveAction | undefined;
    readonly escalated: boolean;
    /** Whether the refund had not been committed to the provider yet (a cancel may still be taken). */
    readonly beforeProvider: boolean;
    readonly providerEvents: number;
    readonly seenEvents: readonly string[];
    /** Absent in runs handed over before the reconciler said when it stalls. */
    readonly reconcilerStalled?: ReconcilerHealth | null;
  };
  readonly phase:
    | {
        readonly at: 'approval';
        /** When the approval deadline falls (workflow time, ms since the epoch). */
        readonly deadlineAt: number;
      }
    | {
        readonly at: 'provider';
        readonly decision: DecisionState;
        readonly clock: Readonly<ProviderClock>;
      };
}

/** The final word of a refund workflow: its result, as well as its last `state`. */
export interface RefundOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  readonly providerRefundId: string | null;
  /** What the provider says it refunded, when it says (minor units of the refund's currency). */
  readonly refundedAmountMinor?: number | null;
  readonly failure: RefundFailure | null;
}

/** The provider phase's times (workflow time, ms since the epoch), carried into a next run. */
export interface ProviderClock {
  /** When the watch for the provider's outcome began, for the submission `watchSubmission`. */
  watchStartedAt: number | null;
  watchSubmission: number;
  /** When the first request went out (ISO 8601): records older than it are not this refund's. */
  firstRequestAt: string | null;
  /** When the sleep in progress ends, or null. */
  sleepUntil: number | null;
}
