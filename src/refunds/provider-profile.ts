import type { RetryPolicy } from '@temporalio/common';

/**
 * How the refund workflow drives one provider's lifecycle: where its activities run, how long a
 * call may take and how it is retried, and how a refund the provider has accepted is polled to its
 * end. Workflow-safe (plain data): each provider folder exports one from `profile.ts`.
 * Durations are milliseconds so that a test can scale every wait at once.
 */
export interface ProviderProfile {
  /** Status while the provider works on an accepted refund. */
  readonly pendingStatus: 'PENDING_PROVIDER' | 'PENDING_REVIEW';
  /**
   * A task queue of its own, `<workflow's task queue>-<suffix>` (SecPaid: `refunds-secpaid`, whose
   * rate limit holds across every worker). Without it, activities run on the workflow's queue.
   */
  readonly taskQueueSuffix?: string;
  readonly submit: {
    readonly startToCloseMs: number;
    /**
     * How long to keep retrying transient failures of a resendable submission before the refund
     * decides on its own (and may ask a person): measured in retry waits (retryAttemptsWithin),
     * never in time the task sat in a queue while no worker ran.
     */
    readonly scheduleToCloseMs: number;
    readonly retry: Required<Pick<RetryPolicy, 'backoffCoefficient'>> & {
      readonly initialIntervalMs: number;
      readonly maximumIntervalMs: number;
    };
  };
  readonly poll: {
    /** Between status reads while waiting; each read is one activity attempt, not new history. */
    readonly intervalMs: number;
    /** ± this fraction of the interval, so thousands of refunds do not read in step. */
    readonly jitter: number;
    /** After this long without an outcome, `NeedsAttention` is raised and polling slows down. */
    readonly deadlineMs: number;
    readonly slowIntervalMs: number;
    /** What the attention says when the deadline passes. */
    readonly deadlineReason: string;
  };
  /**
   * Who retries a failed submission. `activity`: Temporal's retry policy, because resending is safe
   * (an idempotency key, one request per link, or a status read before resending). `workflow`: the
   * provider offers no way to tell, so the activity runs once and the workflow resends only after
   * an answer that says the refund was not processed.
   */
  readonly submitRetries: 'activity' | 'workflow';
  /**
   * What a full refund moves. `stated`: the request's amount is sent (SecPaid requires it even for
   * a full refund; PaymentOptions always takes one). `what-is-left`: no amount is sent and the
   * provider refunds whatever remains of the payment, which the orchestrator cannot know before
   * it is sent, so such a refund waits for approval wherever its currency has a threshold.
   */
  readonly fullRefundMoves: 'stated' | 'what-is-left';
  /**
   * Whether a resend can refund twice. `same-key`: it carries the same idempotency key, or the
   * provider takes one request per payment, so Temporal retries a submission. `never`: a
   * submission is sent once; again only after the provider said it did not process it.
   */
  readonly resend: 'same-key' | 'never';
  /**
   * How an earlier attempt whose answer was lost is found without the provider's refund id: `read`
   * (by our reference), `watch` (it shows only once final, so the refund waits for it), `none`.
   */
  readonly findEarlier: 'read' | 'watch' | 'none';
  /** Waits before each look for an earlier attempt whose answer was lost (default +1, +5, +30 min). */
  readonly confirmHorizonMs?: readonly number[];
  /** One request per payment at the provider: the payment guard refuses a second refund. */
  readonly oneRefundPerPayment?: boolean;
  /**
   * The provider answers a request with its outcome (synchronous), its activities run on the
   * workflow's queue, and a request is sent once: the reservation and the first request may go in
   * one local activity of the refund's workflow task (src/activities/submit-in-task.ts), when the
   * worker allows it (REFUND_SUBMIT_IN_TASK). Only with `resend: 'never'`, whose activity never
   * sends after an earlier try, and without `taskQueueSuffix`, whose rate limit a local activity
   * would not pass through.
   */
  readonly submitsInTask?: boolean;
  /** Provider calls one activity attempt may make in a row: their timeouts must fit its start-to-close. */
  readonly callsPerAttempt: number;
  /** Provider events (webhooks) arrive as `providerEvent` signals and trigger an immediate read. */
  readonly eventDriven: boolean;
  /**
   * A reconciler of the provider's own reads the account for every waiting refund and wakes (with
   * a `providerEvent`) the one whose record appears (SecPaid's, `src/workflows/secpaid-reconciler.ts`).
   * The refund's own watch then reads only every `fallbackIntervalMs`, in case the reconciler missed
   * it or is not running, and at once after a wake. The reconciler's pages and the reads after a
   * wake run on `<workflow's task queue>-<readsTaskQueueSuffix>`, whose rate limit is the reads'
   * share of the provider's: a backlog of submissions never holds them up, nor they the submissions.
   */
  readonly reconciled?: { readonly fallbackIntervalMs: number; readonly readsTaskQueueSuffix: string };
  /**
   * Failure types after which a new attempt (with a new idempotency key) may succeed later, e.g.
   * SandPay `INSUFFICIENT_FUNDS` once the merchant float is topped up.
   */
  readonly retryLater?: {
    readonly types: readonly string[];
    readonly delayMs: number;
    /** After this many new attempts, they come every `slowDelayMs`: a long wait stays small in history. */
    readonly quickAttempts: number;
    readonly slowDelayMs: number;
  };
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * How many attempts the submit's retry policy makes within `scheduleToCloseMs` of waits between
 * them: the bound on retries is a number of attempts, not a schedule-to-close, so an outage that
 * keeps the task in the queue (no worker, or SecPaid's rate limit) spends none of it.
 */
/** The task queues of a provider's own, by suffix: its calls', and its reconciler's reads'. */
export function taskQueueSuffixesOf(profile: ProviderProfile): readonly string[] {
  return [profile.taskQueueSuffix, profile.reconciled?.readsTaskQueueSuffix].filter(
    (suffix): suffix is string => suffix !== undefined
  );
}

export function retryAttemptsWithin(submit: ProviderProfile['submit']): number {
  const { initialIntervalMs, backoffCoefficient, maximumIntervalMs } = submit.retry;
  let attempts = 1;
  let waited = 0;
  for (let wait = initialIntervalMs; waited + Math.min(wait, maximumIntervalMs) <= submit.scheduleToCloseMs;) {
    waited += Math.min(wait, maximumIntervalMs);
    attempts += 1;
    wait *= backoffCoefficient;
  }
  return attempts;
}

/** Submit timings for providers that answer within seconds. */
export const synchronousSubmit: ProviderProfile['submit'] = {
  startToCloseMs: 30 * SECOND,
  scheduleToCloseMs: HOUR,
  retry: { initialIntervalMs: SECOND, backoffCoefficient: 2, maximumIntervalMs: MINUTE },
};

export const durations = { SECOND, MINUTE, HOUR, DAY } as const;
