import type { ApplicationFailure } from '@temporalio/common';

import type { RefundFailureType, SubmitOutcome } from '../../refunds/provider-outcome';
import { permanentFailure } from '../failures';

import type { OpenpaydAnswer } from './schemas';

export const PROVIDER = 'OpenPayd';

/**
 * OpenPayd answers → outcome.
 *
 * | answer | outcome |
 * | --- | --- |
 * | `APPROVED` | succeeded |
 * | `PENDING` | pending (status read by `referenceNo` until final) |
 * | `DECLINED` 32 | AlreadyRefunded |
 * | `DECLINED` 33 | PartialRefundNotAllowed |
 * | `DECLINED` 34 | PaymentMethodNotRefundable |
 * | `DECLINED` 35 | InvalidRefundAmount |
 * | `DECLINED` 36 | PaymentNotFound |
 * | `DECLINED` 37 | ProviderAuthFailed (a person must fix the key) |
 * | `DECLINED` 38, 188 | ProviderRejectedRequest |
 * | other `DECLINED` | RefundDeclined |
 * | 5xx, 429, connection refused | transient: retried |
 * | timeout, reset, unreadable answer | retried; the next attempt reads the status by `referenceNo` first |
 *
 * 32 and 188 are from OpenPayd's docs; 33–39 are the sandbox's codes for declines the docs describe
 * without a code (see README).
 */
export const openpaydDeclineTypes: Readonly<Record<string, RefundFailureType>> = {
  '32': 'AlreadyRefunded',
  '33': 'PartialRefundNotAllowed',
  '34': 'PaymentMethodNotRefundable',
  '35': 'InvalidRefundAmount',
  '36': 'PaymentNotFound',
  '37': 'ProviderAuthFailed',
  '38': 'ProviderRejectedRequest',
  '188': 'ProviderRejectedRequest',
};

/** The status read's answer for a `referenceNo` it has never seen (sandbox convention). */
export const OPENPAYD_REFERENCE_NOT_FOUND = '39';

export function isReferenceNotFound(answer: OpenpaydAnswer): boolean {
  return answer.status === 'DECLINED' && answer.code === OPENPAYD_REFERENCE_NOT_FOUND;
}

/** One answer (of the refund call or the status read) → outcome, or the failure to throw. */
export function outcomeOf(answer: OpenpaydAnswer, referenceNo: string): SubmitOutcome {
  switch (answer.status) {
    case 'APPROVED':
      return {
        kind: 'succeeded',
        providerRefundId: answer.transactionId ?? referenceNo,
        amountMinor: answer.amount ?? null,
      };
    case 'PENDING':
      return { kind: 'pending', providerRefundId: referenceNo };
    case 'DECLINED':
      throw declined(answer);
  }
}

function declined(answer: OpenpaydAnswer): ApplicationFailure {
  return permanentFailure(openpaydDeclineTypes[answer.code] ?? 'RefundDeclined', PROVIDER, answer.code, answer.message);
}
