import type { ApplicationFailure } from '@temporalio/common';

import type { RefundFailureType, SubmitOutcome } from '../../refunds/provider-outcome';
import { permanentFailure, stillPending } from '../failures';

import type { OpenpaydAnswer } from './schemas';

export const PROVIDER = 'OpenPayd';

/**
 * OpenPayd DECLINED codes → failure type. 32 and 188 are from OpenPayd's docs; the rest are the
 * sandbox's codes for declines the docs describe without giving a code (see README, sandbox).
 * Any other DECLINED is a `RefundDeclined` carrying OpenPayd's own code and message.
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

export type OpenpaydVerdict =
  | { readonly kind: 'outcome'; readonly outcome: SubmitOutcome }
  | { readonly kind: 'failure'; readonly failure: ApplicationFailure };

/** One answer (of the refund call or the status read) → what the workflow is told. */
export function verdictOf(answer: OpenpaydAnswer, referenceNo: string): OpenpaydVerdict {
  switch (answer.status) {
    case 'APPROVED':
      return {
        kind: 'outcome',
        outcome: {
          kind: 'succeeded',
          providerRefundId: answer.transactionId ?? referenceNo,
          amountMinor: answer.amount ?? null,
        },
      };
    case 'PENDING':
      return {
        kind: 'failure',
        failure: stillPending(PROVIDER, `refund ${referenceNo} is pending: ${answer.message}`),
      };
    case 'DECLINED':
      return {
        kind: 'failure',
        failure: permanentFailure(
          openpaydDeclineTypes[answer.code] ?? 'RefundDeclined',
          PROVIDER,
          answer.code,
          answer.message
        ),
      };
  }
}
