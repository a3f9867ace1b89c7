import * as wf from '@temporalio/workflow';

import { retryAttemptsWithin } from '../../refunds/provider-profile';
import type { ProviderProfile } from '../../refunds/provider-profile';
import type { Answer, ReadMode, ReadResult, SubmitResult } from '../../refunds/decide/machine';
import { kindOf } from '../../refunds/failures';
import { formatMoney } from '../../refunds/minor-units';
import type { ProviderFailureDetails } from '../../refunds/failures';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import type { RefundRequest } from '../../providers';

// Every provider's activities have one shape; each provider's input type is checked where its
// activities are defined (src/activities), and the refund always passes its own provider's request.
type SubmitCall = (input: SubmitInput) => Promise<SubmitOutcome>;
type PollCall = (input: PollInput) => Promise<PollOutcome>;

/** No status read comes sooner than this after the last, whatever the time scale. */
const MIN_POLL_INTERVAL_MS = 50;

export interface ProviderCalls {
  /** `afterEarlierAttempt`: an earlier try may have sent it, though no attempt of this activity did. */
  submit(submission: number, afterEarlierAttempt?: boolean): Promise<SubmitResult>;
  /** One read command: `watch` until final (or a deadline, or a failed read to report). */
  read(command: ReadCommand): Promise<ReadResult>;
}

export interface ReadCommand {
  readonly mode: ReadMode;
  readonly slow: boolean;
  readonly submission: number;
  readonly providerRefundId: string | null;
  /** Failed reads are retried by Temporal (past the bound), else reported one by one. */
  readonly errorsRetried: boolean;
  /** The watch's deadline, when it has not passed: milliseconds left. */
  readonly remainingMs: number | null;
  readonly firstRequestAt: string | null;
  /** The refund's workflow id, when another workflow (the watch) reads for it. */
  readonly refundWorkflowId?: string;
  /** A provider event came since the last read: a reconciled provider reads on its reads' queue. */
  readonly woken?: boolean;
}

/** The refund's provider activities, with the options its profile gives them. */
export function providerCalls(
  request: RefundRequest,
  profile: ProviderProfile,
  scaled: (ms: number) => number,
  /** A reconciler reads for the refund: its own watch reads come only at the profile's fallback. */
  reconciled = false
): ProviderCalls {
  const provider = request.provider;
  const taskQueue = profile.taskQueueSuffix && {
    taskQueue: `${wf.workflowInfo().taskQueue}-${profile.taskQueueSuffix}`,
  };
  const { startToCloseMs, retry } = profile.submit;
  const submitCall = wf.proxyActivities<Record<string, SubmitCall>>({
    ...taskQueue,
    startToCloseTimeout: startToCloseMs,
    // No schedule-to-close: time in the queue while no worker runs (an outage) or behind SecPaid's
    // rate limit is not an unknown outcome, as nothing was sent. Retries with the same key are
    // bounded by a number of attempts; a submission without a key is made once.
    retry:
      profile.resend === 'same-key'
        ? {
            initialInterval: scaled(retry.initialIntervalMs),
            backoffCoefficient: retry.backoffCoefficient,
            maximumInterval: scaled(retry.maximumIntervalMs),
            maximumAttempts: retryAttemptsWithin(profile.submit),
          }
        : { maximumAttempts: 1 },
    summary: `${provider}: submit refund of ${formatMoney(request.amount.amountMinor, request.amount.currency)} (payment ${request.paymentId})`,
  })[`${provider}SubmitRefund`];
  if (submitCall === undefined) throw new Error(`no submit activity for ${provider}`);

  return {
    async submit(submission, afterEarlierAttempt) {
      try {
        const outcome = await submitCall({
          request,
          submission,
          ...(afterEarlierAttempt === true && { afterEarlierAttempt }),
        });
        return { ok: true, ...outcome };
      } catch (err) {
        return { ok: false, answer: answerOf(err, provider) };
      }
    },
    async read(command) {
      const ownInterval = command.slow ? profile.poll.slowIntervalMs : profile.poll.intervalMs;
      // Failing reads are read again at the provider's own cadence, until a person is asked and after.
      const fallback =
        reconciled && command.mode === 'watch' && !command.errorsRetried
          ? profile.reconciled?.fallbackIntervalMs
          : undefined;
      const intervalMs = Math.max(MIN_POLL_INTERVAL_MS, scaled(Math.max(ownInterval, fallback ?? 0)));
      const readsQueue = reconciled && command.woken ? profile.reconciled?.readsTaskQueueSuffix : undefined;
      const poll = wf.proxyActivities<Record<string, PollCall>>({
        ...(readsQueue ? { taskQueue: `${wf.workflowInfo().taskQueue}-${readsQueue}` } : taskQueue),
        startToCloseTimeout: startToCloseMs,
        ...(command.remainingMs !== null && { scheduleToCloseTimeout: Math.max(1, command.remainingMs) }),
        retry: { initialInterval: intervalMs, backoffCoefficient: 1, maximumInterval: intervalMs },
        cancellationType: wf.ActivityCancellationType.TRY_CANCEL,
        summary: `${provider}: ${command.mode === 'watch' ? 'read refund status until final' : 'look for our refund'}`,
      })[`${provider}PollRefund`];
      if (poll === undefined) throw new Error(`no poll activity for ${provider}`);
      try {
        const polled = await poll({
          request,
          submission: command.submission,
          providerRefundId: command.providerRefundId,
          intervalMs,
          jitter: profile.poll.jitter,
          mode: command.mode,
          readErrors: command.errorsRetried ? 'retry' : 'report',
          reportHealthy: command.errorsRetried,
          ...(command.firstRequestAt !== null && { firstRequestAt: command.firstRequestAt }),
          // Past the horizon, a look for a lost answer is one long activity, not one per read.
          ...(command.mode === 'find' && command.slow && { retryNotFound: true }),
          ...(command.refundWorkflowId !== undefined && { refundWorkflowId: command.refundWorkflowId }),
        });
        return polled;
      } catch (err) {
        return readFailure(err, provider, command.remainingMs !== null, profile.poll.deadlineReason);
      }
    },
  };
}

/**
 * A failed submission, as the decision core reads it: an activity's failure, or the provider's
 * failure itself, as a local activity's reaches the workflow (the SDK does not wrap it).
 */
export function answerOf(err: unknown, provider: string): Answer {
  if (!(err instanceof wf.ActivityFailure) && !(err instanceof wf.ApplicationFailure)) throw err;
  const cause = err instanceof wf.ActivityFailure ? err.cause : err;
  if (cause instanceof wf.ApplicationFailure) {
    const details = cause.details?.[0] as ProviderFailureDetails | undefined;
    // Retries that ran out (schedule-to-close) followed attempts that may have reached the provider.
    const retriesRanOut = !cause.nonRetryable;
    return {
      kind: kindOf(cause.type ?? undefined),
      failure: {
        type: cause.type ?? 'Error',
        providerCode: details?.code,
        providerMessage: details?.message ?? cause.message,
      },
      scope: details?.scope ?? 'request',
      afterEarlierAttempt: retriesRanOut || details?.afterEarlierAttempt === true,
      providerRefundId: details?.providerRefundId,
    };
  }
  // A worker that died mid-call, or a timeout: the request may have reached the provider.
  return {
    kind: 'unknown',
    failure: {
      type: 'OutcomeUnknown',
      providerCode: undefined,
      providerMessage: `${provider}: ${cause?.message ?? err.message}`,
    },
    scope: 'request',
    afterEarlierAttempt: true,
  };
}

function readFailure(err: unknown, provider: string, hasDeadline: boolean, deadlineReason: string): ReadResult {
  if (!(err instanceof wf.ActivityFailure)) throw err;
  const cause = err.cause;
  const last = cause?.message ?? err.message;
  if (hasDeadline && (err.retryState === 'TIMEOUT' || cause instanceof wf.TimeoutFailure)) {
    return { kind: 'deadline', message: deadlineReason };
  }
  if (cause instanceof wf.ApplicationFailure && cause.nonRetryable) {
    const details = cause.details?.[0] as ProviderFailureDetails | undefined;
    const kind = kindOf(cause.type ?? undefined);
    if ((kind === 'declined' || kind === 'retry-later') && details?.scope === 'refund') {
      return {
        kind: 'final',
        answer: {
          kind,
          failure: {
            type: cause.type ?? 'Error',
            providerCode: details.code,
            providerMessage: details.message ?? cause.message,
          },
          scope: 'refund',
          afterEarlierAttempt: false,
          providerRefundId: details.providerRefundId,
        },
      };
    }
  }
  // Rule 1: nothing else a read says ends the refund.
  return { kind: 'failing', message: last };
}
