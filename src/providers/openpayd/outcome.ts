import type { ApplicationFailure } from '@temporalio/common';

import type { FailureType } from '../../refunds/failures';
import type { SubmitOutcome } from '../../refunds/provider-outcome';
import type { RequestOf } from '../../refunds/request';
import { outcomeUnknown, permanentFailure } from '../failures';

import type { OpenpaydAnswer } from './schemas';

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
  request: RequestOf<'openpayd'>,
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
 * Whether a status read's answer is our refund: our `referenceNo`, and for a partial refund our
 * amount and currency. Anything less could be someone else's refund with the same reference.
 */
export function isOurs(answer: OpenpaydAnswer, request: RequestOf<'openpayd'>, referenceNo: string): boolean {
  if (answer.referenceNo !== referenceNo) return false;
  if (request.full) return answer.amount === undefined || answer.amount > 0;
  return (
    answer.amount === request.amount.amountMinor &&
    (answer.currency === undefined || answer.currency === request.amount.currency)
  );
}

function approvedAmount(answer: OpenpaydAnswer, request: RequestOf<'openpayd'>): number | null {
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
