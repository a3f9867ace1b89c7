import type { ApplicationFailure } from '@temporalio/common';

import type { RefundFailureType } from '../../refunds/provider-outcome';
import { permanentFailure } from '../failures';

import type { GetpaidProblem } from './schemas';

export const PROVIDER = 'GetPaid';

/**
 * GetPaid answers → outcome.
 *
 * | answer | outcome |
 * | --- | --- |
 * | 201 `initiated` | pending (`PENDING_PROVIDER`): webhook-triggered and fallback reads of `GET /refunds/{id}` |
 * | refund `completed` | succeeded |
 * | refund `failed` / `declined` | RefundDeclined, with GetPaid's reason code |
 * | 422 `already_refunded` | AlreadyRefunded |
 * | 422 `exceeds_refundable_amount`, `exceeds_captured_amount` | InvalidRefundAmount |
 * | 422 `payout_not_started` | PartialRefundNotAllowed |
 * | 422 other, 400, 409 | ProviderRejectedRequest |
 * | 404 | PaymentNotFound |
 * | 401 after one token refresh | ProviderAuthFailed |
 * | 429, 5xx, connection refused | transient: retried |
 * | timeout, reset | retried; the next attempt first looks for our `reference` among the payment's refunds |
 */
const errorTypes: Readonly<Record<string, RefundFailureType>> = {
  already_refunded: 'AlreadyRefunded',
  exceeds_refundable_amount: 'InvalidRefundAmount',
  exceeds_captured_amount: 'InvalidRefundAmount',
  payout_not_started: 'PartialRefundNotAllowed',
};

export function problemFailure(status: number, problem: GetpaidProblem): ApplicationFailure {
  const codes = Object.values(problem.errors ?? {}).flat();
  const fields = Object.entries(problem.errors ?? {})
    .map(([field, errs]) => `${field}: ${errs.join(', ')}`)
    .join('; ');
  const known = codes.map((c) => errorTypes[c]).find((t) => t !== undefined);
  const type: RefundFailureType =
    status === 401 ? 'ProviderAuthFailed' : status === 404 ? 'PaymentNotFound' : (known ?? 'ProviderRejectedRequest');
  return permanentFailure(type, PROVIDER, codes[0] ?? `HTTP ${status}`, fields || problem.detail || problem.title);
}

export function declined(
  reason: { code: string; description?: string | undefined } | null | undefined
): ApplicationFailure {
  return permanentFailure(
    'RefundDeclined',
    PROVIDER,
    reason?.code ?? 'failed',
    reason?.description ?? 'GetPaid refund failed'
  );
}
