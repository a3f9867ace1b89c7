import { durations, synchronousSubmit } from '../../refunds/provider-profile';
import type { ProviderProfile } from '../../refunds/provider-profile';

const { SECOND, MINUTE, HOUR } = durations;

/** SandPay settles most refunds at once; PENDING is read every few seconds, as its guide advises. */
export const sandpayProfile: ProviderProfile = {
  pendingStatus: 'PENDING_PROVIDER',
  submit: synchronousSubmit,
  poll: {
    intervalMs: 5 * SECOND,
    jitter: 0.2,
    deadlineMs: HOUR,
    slowIntervalMs: 5 * MINUTE,
    deadlineReason: 'SandPay refund still PENDING after an hour',
  },
  submitRetries: 'activity',
  fullRefundMoves: 'what-is-left',
  resend: 'same-key',
  findEarlier: 'none',
  callsPerAttempt: 1,
  eventDriven: false,
  // Final for that transaction, but a new refund (new reference) can succeed later.
  // Every 15 min for two hours, then every 6 h: 90 days of a float left empty stay a few thousand events.
  retryLater: {
    types: ['InsufficientMerchantFunds', 'ProviderTemporarilyDeclined'],
    delayMs: 15 * MINUTE,
    quickAttempts: 8,
    slowDelayMs: 6 * HOUR,
  },
};
