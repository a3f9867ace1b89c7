import { durations, synchronousSubmit } from '../../refunds/provider-profile';
import type { ProviderProfile } from '../../refunds/provider-profile';

const { SECOND, MINUTE, HOUR, DAY } = durations;

/** GetPaid answers `initiated`; the webhook says when to read, and a slow poll covers a lost one. */
export const getpaidProfile: ProviderProfile = {
  pendingStatus: 'PENDING_PROVIDER',
  // An attempt may fetch a token, send, and after a 401 fetch a fresh token and send again.
  submit: { ...synchronousSubmit, startToCloseMs: 60 * SECOND },
  poll: {
    intervalMs: 15 * MINUTE,
    jitter: 0.1,
    deadlineMs: 7 * DAY,
    slowIntervalMs: 6 * HOUR,
    deadlineReason: 'GetPaid refund still initiated after 7 days',
  },
  submitRetries: 'activity',
  fullRefundMoves: 'what-is-left',
  resend: 'never',
  findEarlier: 'read',
  callsPerAttempt: 4,
  eventDriven: true,
};
