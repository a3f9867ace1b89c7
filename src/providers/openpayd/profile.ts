import { durations, synchronousSubmit } from '../../refunds/provider-profile';
import type { ProviderProfile } from '../../refunds/provider-profile';

const { MINUTE, HOUR } = durations;

/** OpenPayd answers straight away; a refund is never pending, so polling only settles a lost answer. */
export const openpaydProfile: ProviderProfile = {
  pendingStatus: 'PENDING_PROVIDER',
  submit: synchronousSubmit,
  poll: {
    intervalMs: MINUTE,
    jitter: 0.1,
    deadlineMs: HOUR,
    slowIntervalMs: 15 * MINUTE,
    deadlineReason: 'OpenPayd has not settled the refund within an hour',
  },
  submitRetries: 'activity',
  fullRefundMoves: 'what-is-left',
  resend: 'never',
  submitsInTask: true,
  findEarlier: 'read',
  callsPerAttempt: 1,
  eventDriven: false,
};
