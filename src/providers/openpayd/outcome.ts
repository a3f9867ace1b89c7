import type { ApplicationFailure } from '@temporalio/common';

import type { FailureType } from '../../refunds/failures';
import type { SubmitOutcome } from '../../refunds/provider-outcome';
import { notBefore } from '../activity-info';
import { outcomeUnknown, permanentFailure } from '../failures';

import type { OpenpaydAnswer } from './schemas';
import type { OpenpaydRefundRequest } from './request';

export const PROVIDER = 'OpenPayd';

/**
 * OpenPayd's refund answers → outcome. Only codes its docs give are read; every other decline is
 * a plain decline of the request (ASSUMPTIONS.md).
 *
 * | answer | outcome |
 * | --- | --- |
 * | `APPROVED` | succeeded (the provider's amount) |
 * | `PENDING` | pending: status read by `referenceNo` until final |
 * | `DECLINED` 32 "Already refunded" | AlreadyRefunded (already done: someone's refund; ours only if a read shows it) |
 * | `DECLINED` 188 | ProviderRejectedRequest |
 * | other `DECLINED` | RefundDeclined |
 * | an answer for another `referenceNo` | OutcomeUnknown |
 * | connection refused, 429 | not processed: sent again later |
 * | timeout, reset, 5xx, unreadable answer | OutcomeUnknown: looked for by `referenceNo` over a horizon, then a person |
 */
export const openpaydDeclineTypes: Readonly<Record<string, FailureType>> = {
  '32': 'AlreadyRefunded',
  '188': 'ProviderRejectedRequest',
};

/** The refund call's answer → outcome, or the failure to throw. */
export function refundOutcome(
  answer: OpenpaydAnswer,
  request: OpenpaydRefundRequest,
  referenceNo: string
): SubmitOutcome {
  if (answer.referenceNo !== undefined && answer.referenceNo !== referenceNo) {
    throw outcomeUnknown(PROVIDER, `answer for referenceNo ${answer.referenceNo}, not ${referenceNo}`);
  }
  switch (answer.status) {
    case 'APPROVED':
      return {
        kind: 'succeeded',
        providerRefundId: answer.transactionId ?? referenceNo,
        amountMinor: approvedAmount(answer, request),
      };
    case 'PENDING':
      return { kind: 'pending', providerRefundId: referenceNo };
    case 'DECLINED':
      throw declined(answer);
  }
}

/**
 * Whether a status read's answer is our refund, on every field it gives back: our `referenceNo`; a
 * transaction of its own (not the sale's `transactionId`); a `date` no older than our first request;
 * an amount (ours, for a partial refund) and our currency. Anything less could be another record
 * with the same reference (a sale, an older refund): it is not adopted.
 */
export function isOurs(
  answer: OpenpaydAnswer,
  request: OpenpaydRefundRequest,
  referenceNo: string,
  firstRequestAt: string | undefined
): boolean {
  if (answer.referenceNo !== referenceNo) return false;
  if (answer.transactionId === undefined || answer.transactionId === request.paymentId) return false;
  if (answer.currency !== undefined && answer.currency !== request.amount.currency) return false;
  const earliest = notBefore(firstRequestAt);
  if (earliest !== null && (answer.date === undefined || answer.date * 1000 < earliest)) return false;
  if (answer.amount === undefined || answer.amount <= 0) return false;
  return request.full || answer.amount === request.amount.amountMinor;
}

function approvedAmount(answer: OpenpaydAnswer, request: OpenpaydRefundRequest): number | null {
  if (answer.amount !== undefined) return answer.amount;
  return request.full ? null : request.amount.amountMinor;
}

function declined(answer: OpenpaydAnswer): ApplicationFailure {
  return permanentFailure(
    openpaydDeclineTypes[answer.code] ?? 'RefundDeclined',
    PROVIDER,
    answer.code,
    answer.message,
    {
      scope: 'request',
    }
  );
}
