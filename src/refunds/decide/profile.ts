import type { ProviderProfile } from '../provider-profile';

import type { DecisionProfile } from './machine';

const MINUTE = 60_000;
/** Looks for an earlier attempt whose answer was lost (+1, +5, +30 min), before a person is asked. */
export const CONFIRM_HORIZON_MS: readonly number[] = [MINUTE, 5 * MINUTE, 30 * MINUTE];
export const READ_ERRORS_BEFORE_ATTENTION = 3;
export const MAX_RESENDS = 8;

/** The decision core's view of the provider's profile, at the refund's time scale. */
export function decisionProfile(
  profile: ProviderProfile,
  scaled: (ms: number) => number,
  /** A reconciler reads for the refund (its profile's `reconciled`, in a run that has the patch). */
  reconciled = false
): DecisionProfile {
  return {
    watchAfterMs: reconciled && profile.reconciled ? scaled(profile.reconciled.fallbackIntervalMs) : null,
    resend: profile.resend,
    findEarlier: profile.findEarlier,
    confirmHorizonMs: (profile.confirmHorizonMs ?? CONFIRM_HORIZON_MS).map(scaled),
    readIntervalMs: scaled(profile.poll.intervalMs),
    slowReadMs: scaled(profile.poll.slowIntervalMs),
    readErrorsBeforeAttention: READ_ERRORS_BEFORE_ATTENTION,
    maxResends: MAX_RESENDS,
    resendBackoff: {
      initialMs: scaled(profile.submit.retry.initialIntervalMs),
      coefficient: profile.submit.retry.backoffCoefficient,
      maximumMs: scaled(profile.submit.retry.maximumIntervalMs),
    },
    retryLater: profile.retryLater
      ? {
          quickMs: scaled(profile.retryLater.delayMs),
          quickAttempts: profile.retryLater.quickAttempts,
          slowMs: scaled(profile.retryLater.slowDelayMs),
        }
      : null,
  };
}
