import { durations } from '../../refunds/provider-profile';
import type { ProviderProfile } from '../../refunds/provider-profile';

const { SECOND, MINUTE, HOUR, DAY } = durations;

/** Suffix of SecPaid's own task queue: `refunds-secpaid` next to `refunds`. */
export const SECPAID_TASK_QUEUE_SUFFIX = 'secpaid';
/** Suffix of the queue of the reconciler's pages and the reads after its wakes: `refunds-secpaid-reads`. */
export const SECPAID_READS_TASK_QUEUE_SUFFIX = 'secpaid-reads';

/**
 * SecPaid refunds wait days for an admin; nothing says when. The reconciler reads the account's
 * `getPayInTransactions` for every waiting refund at once and wakes the refund whose row appears;
 * the refund then reads its own link. Its own reads come only every 7 days otherwise (refunds
 * started before the reconciler read every 4 hours). After the review SLA (14 days) a person is
 * asked to look.
 */
export const secpaidProfile: ProviderProfile = {
  pendingStatus: 'PENDING_REVIEW',
  taskQueueSuffix: SECPAID_TASK_QUEUE_SUFFIX,
  submit: {
    startToCloseMs: 30 * SECOND,
    scheduleToCloseMs: DAY,
    retry: { initialIntervalMs: 2 * SECOND, backoffCoefficient: 2, maximumIntervalMs: 5 * MINUTE },
  },
  poll: {
    intervalMs: 4 * HOUR,
    jitter: 0.1,
    deadlineMs: 14 * DAY,
    slowIntervalMs: DAY,
    deadlineReason: 'SecPaid review SLA (14 days) passed without an approved refund: ask SecPaid, then resolve',
  },
  submitRetries: 'activity',
  fullRefundMoves: 'stated',
  resend: 'same-key',
  findEarlier: 'watch',
  oneRefundPerPayment: true,
  callsPerAttempt: 1,
  eventDriven: false,
  // At 50,000 waiting refunds, reads every 7 days are 9 % of the 0.9 requests a second.
  reconciled: { fallbackIntervalMs: 7 * DAY, readsTaskQueueSuffix: SECPAID_READS_TASK_QUEUE_SUFFIX },
};
