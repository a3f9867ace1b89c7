import type { ApplicationFailure } from '@temporalio/common';

import type { RefundFailureType } from '../../refunds/provider-outcome';
import { permanentFailure } from '../failures';

export const PROVIDER = 'SecPaid';

/**
 * SecPaid `refundPayment` answers (`ResponseCode: 0` messages) → outcome.
 *
 * | answer | outcome |
 * | --- | --- |
 * | `ResponseCode: 1` | pending review (`PENDING_REVIEW`) |
 * | "Refund already requested", on a retry | pending review: our earlier request arrived |
 * | "Refund already requested", first attempt | RefundAlreadyRequested (someone else asked first) |
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
 * `getPayInTransactions`: a negative `Refund` entry for the link → succeeded; none → still in
 * review (read again later). A rejection never shows: after the review SLA a person is asked.
 */
export const ALREADY_REQUESTED = 'Refund already requested';

const messageTypes: Readonly<Record<string, RefundFailureType>> = {
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

export function refusal(message: string): ApplicationFailure {
  return permanentFailure(messageTypes[message] ?? 'RefundDeclined', PROVIDER, '0', message);
}
