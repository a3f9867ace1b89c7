import { defineProvider } from '../../../src/providers/definition';
import { synchronousSubmit } from '../../../src/refunds/provider-profile';

export type { ExamplepayRefundRequest } from './request';

/**
 * ExamplePay: a sixth provider that exists only in the tests, to prove that a provider is a
 * folder plus one line in each registry. It answers synchronously and takes an idempotency key
 * (`reference`), so a resend with the same key is safe and a lost answer is found by it.
 */
export const examplepay = defineProvider({
  name: 'examplepay',
  profile: {
    pendingStatus: 'PENDING_PROVIDER',
    submit: synchronousSubmit,
    poll: {
      intervalMs: 10_000,
      jitter: 0.1,
      deadlineMs: 3_600_000,
      slowIntervalMs: 600_000,
      deadlineReason: 'ExamplePay has not settled the refund within an hour',
    },
    submitRetries: 'activity',
    fullRefundMoves: 'stated',
    resend: 'same-key',
    findEarlier: 'read',
    callsPerAttempt: 1,
    eventDriven: false,
  },
});
