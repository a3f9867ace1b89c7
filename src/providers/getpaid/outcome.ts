import type { ApplicationFailure } from '@temporalio/common';

import type { FailureType } from '../../refunds/failures';
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
 * | 422 `already_refunded` | AlreadyRefunded (already done: someone's refund; ours only if a read shows it) |
 * | 422 `exceeds_refundable_amount`, `exceeds_captured_amount` | InvalidRefundAmount |
 * | 422 `payout_not_started` | PartialRefundNotAllowed |
 * | 422 other, 400 | ProviderRejectedRequest |
 * | 409 | DuplicateReference (already done: "concurrent or duplicate", so the refund reads before it ends) |
 * | 404 | PaymentNotFound |
 * | 401 after one token refresh | ProviderAuthFailed |
 * | connection refused, 429, no token | not processed: sent again later |
 * | timeout, reset, 5xx | OutcomeUnknown: looked for by `reference` among the payment's refunds over a horizon (a list the legacy docs do not promise: ASSUMPTIONS.md), then a person |
 *
 * Reads: `GET /refunds/{id}` answers for our refund (scope `refund`); only its `completed`,
 * `failed` or `declined` end anything, every other answer is read again.
 */
const errorTypes: Readonly<Record<string, FailureType>> = {
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
  // The error codes are documented for 422 only; on another status they are not read.
  const known = status === 422 ? codes.find((c) => Object.hasOwn(errorTypes, c)) : undefined;
  const type: FailureType =
    status === 401
      ? 'ProviderAuthFailed'
      : status === 404
        ? 'PaymentNotFound'
        : status === 409
          ? 'DuplicateReference'
          : known !== undefined
            ? errorTypes[known]!
            : 'ProviderRejectedRequest';
  return permanentFailure(
    type,
    PROVIDER,
    known ?? codes[0] ?? `HTTP ${status}`,
    fields || problem.detail || problem.title,
    {
      scope: 'request',
    }
  );
}

/** GetPaid's final word on our refund `id`. */
export function declined(
  id: string,
  reason: { code: string; description?: string | undefined } | null | undefined
): ApplicationFailure {
  return permanentFailure(
    'RefundDeclined',
    PROVIDER,
    reason?.code ?? 'failed',
    reason?.description ?? `GetPaid refund ${id} failed`,
    {
      scope: 'refund',
      providerRefundId: id,
    }
  );
}
