import { durations, synchronousSubmit } from '../../refunds/provider-profile';
import type { ProviderProfile } from '../../refunds/provider-profile';

const { SECOND, MINUTE, HOUR } = durations;

/** PaymentOptions answers synchronously; an unclear or pending answer is settled by status reads. */
export const paymentoptionsProfile: ProviderProfile = {
  pendingStatus: 'PENDING_PROVIDER',
  submit: synchronousSubmit,
  poll: {
    intervalMs: 30 * SECOND,
    jitter: 0.1,
    deadlineMs: HOUR,
    slowIntervalMs: 10 * MINUTE,
    deadlineReason: 'PaymentOptions has not settled the refund (result unclear or pending) within an hour',
  },
  submitRetries: 'workflow',
  fullRefundMoves: 'stated',
  resend: 'never',
  submitsInTask: true,
  findEarlier: 'none',
  // A 401 is tried once more with the other documented auth spelling.
  callsPerAttempt: 2,
  eventDriven: false,
};
