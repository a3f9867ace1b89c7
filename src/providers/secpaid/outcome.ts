import type { ApplicationFailure } from '@temporalio/common';

import type { FailureType } from '../../refunds/failures';
import { permanentFailure } from '../failures';
import type { AnswerFacts } from '../failures';

export const PROVIDER = 'SecPaid';

/**
 * SecPaid `refundPayment` answers (`ResponseCode: 0` messages) → outcome.
 *
 * | answer | outcome |
 * | --- | --- |
 * | `ResponseCode: 1` | pending review (`PENDING_REVIEW`) |
 * | "Refund already requested" | RefundAlreadyRequested: after an earlier attempt, probably ours (the refund waits for a matching refund row); else someone else's (FAILED) |
 * | "Invalid link ID", "Link not found" | PaymentNotFound |
 * | "Link is cancelled", "Cannot refund invoice-type links" | RefundDeclined |
 * | "Refund blocked by dispute" | RefundBlockedByDispute |
 * | "Invalid refund amount", "Refund amount is required" | InvalidRefundAmount |
 * | "Incorrect token or missing token", "Please enter token" | ProviderAuthFailed |
 * | "Please enter pay_id", "Please enter refund_amount" | ProviderRejectedRequest |
 * | any other `ResponseCode: 0` | RefundDeclined |
 * | 429, 5xx, connection refused | transient: retried (the task queue's rate limit keeps all workers under 60/min) |
 * | timeout, reset | retried: sending again is safe, SecPaid allows one request per link |
 *
 * `getPayInTransactions`: a negative `Refund` entry for the link, newer than our first request, of
 * our amount → succeeded; none → still in review (read again later). A rejection never shows:
 * after the review SLA a person is asked. An envelope with `ResponseCode: 0`, or a refund row
 * whose amount cannot be read or is not ours, is a failed read: read again, then a person.
 */
export const ALREADY_REQUESTED = 'Refund already requested';

const messageTypes: Readonly<Record<string, FailureType>> = {
  'Invalid link ID': 'PaymentNotFound',
  'Link not found': 'PaymentNotFound',
  'Link is cancelled': 'RefundDeclined',
  'Cannot refund invoice-type links': 'RefundDeclined',
  'Refund blocked by dispute': 'RefundBlockedByDispute',
  'Invalid refund amount': 'InvalidRefundAmount',
  'Refund amount is required': 'InvalidRefundAmount',
  'Incorrect token or missing token': 'ProviderAuthFailed',
  'Please enter token': 'ProviderAuthFailed',
  'Please enter pay_id': 'ProviderRejectedRequest',
  'Please enter refund_amount': 'ProviderRejectedRequest',
  [ALREADY_REQUESTED]: 'RefundAlreadyRequested',
};

export function refusal(message: string, facts: AnswerFacts): ApplicationFailure {
  return permanentFailure(messageTypes[message] ?? 'RefundDeclined', PROVIDER, '0', message, {
    ...facts,
    scope: 'request',
  });
}
