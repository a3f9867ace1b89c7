import type { ApplicationFailure } from '@temporalio/common';

import type { FailureType } from '../../refunds/failures';
import { permanentFailure } from '../failures';
import type { AnswerFacts } from '../failures';

import type { SandpayError, SandpayStatus } from './schemas';

export const PROVIDER = 'SandPay';

/**
 * SandPay refund statuses → outcome.
 *
 * | status / answer | outcome |
 * | --- | --- |
 * | `SUCCESS` | succeeded |
 * | `PENDING` | pending: `GET /v1/payments/{tx}` until final |
 * | `INSUFFICIENT_FUNDS` | InsufficientMerchantFunds: `NeedsAttention` (top up the float), a new refund with a new reference later |
 * | `TIMEOUT`, `SERVICE_UNAVAILABLE` | ProviderTemporarilyDeclined: a new refund with a new reference later |
 * | `PIN_INVALID`, `ACCOUNT_BLOCKED`, `USER_CANCELLED`, `UNKNOWN_MSISDN`, `LIMIT_EXCEEDED` | RefundDeclined (the status is the code) |
 * | `DUPLICATE_REFERENCE` | DuplicateReference (already done: ours after an earlier attempt, else FAILED) |
 * | 400 `invalid_body` on `amount` | InvalidRefundAmount (of this request) |
 * | 400 other | ProviderRejectedRequest (of this request) |
 * | 401 | ProviderAuthFailed |
 * | 402 `quota_exceeded` | ProviderUnavailable: retried |
 * | 404 | PaymentNotFound (of this request) |
 * | 429 (Retry-After honoured), 5xx, connection refused | transient: retried |
 * | timeout, reset | retried with the same `reference`: SandPay replays the first refund (`idempotent: true`) |
 *
 * A status is SandPay's word on the transaction it names (scope `refund`); an error answers only the
 * request. On a status read, only a status ends anything: every error is read again.
 */
export const statusTypes: Readonly<Record<Exclude<SandpayStatus, 'SUCCESS' | 'PENDING'>, FailureType>> = {
  INSUFFICIENT_FUNDS: 'InsufficientMerchantFunds',
  TIMEOUT: 'ProviderTemporarilyDeclined',
  SERVICE_UNAVAILABLE: 'ProviderTemporarilyDeclined',
  PIN_INVALID: 'RefundDeclined',
  ACCOUNT_BLOCKED: 'RefundDeclined',
  USER_CANCELLED: 'RefundDeclined',
  UNKNOWN_MSISDN: 'RefundDeclined',
  LIMIT_EXCEEDED: 'RefundDeclined',
  DUPLICATE_REFERENCE: 'DuplicateReference',
};

export function statusFailure(
  status: Exclude<SandpayStatus, 'SUCCESS' | 'PENDING'>,
  txId: string,
  facts: AnswerFacts = {}
): ApplicationFailure {
  // A duplicate reference names no refund of ours: it answers the request.
  const scope = status === 'DUPLICATE_REFERENCE' ? 'request' : 'refund';
  return permanentFailure(statusTypes[status], PROVIDER, status, `refund ${txId} ended ${status}`, {
    ...facts,
    scope,
    providerRefundId: txId,
  });
}

/** A 4xx answer to the refund call, or undefined when it is to be retried (402). */
export function errorFailure(status: number, error: SandpayError, facts: AnswerFacts): ApplicationFailure | undefined {
  if (status === 402) return undefined;
  const onAmount = error.error === 'invalid_body' && JSON.stringify(error.detail ?? {}).includes('"amount"');
  const type: FailureType =
    status === 401
      ? 'ProviderAuthFailed'
      : status === 404
        ? 'PaymentNotFound'
        : status === 400 && onAmount
          ? 'InvalidRefundAmount'
          : 'ProviderRejectedRequest';
  return permanentFailure(type, PROVIDER, error.error, error.message, { ...facts, scope: 'request' });
}
