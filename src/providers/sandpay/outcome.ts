import type { ApplicationFailure } from '@temporalio/common';

import type { RefundFailureType } from '../../refunds/provider-outcome';
import { permanentFailure } from '../failures';

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
 * | `DUPLICATE_REFERENCE` | ProviderRejectedRequest (our reference was used for something else) |
 * | 400 `invalid_body` on `amount` | InvalidRefundAmount |
 * | 400 other | ProviderRejectedRequest |
 * | 401 | ProviderAuthFailed |
 * | 402 `quota_exceeded` | ProviderRejectedRequest |
 * | 404 | PaymentNotFound |
 * | 429 (Retry-After honoured), 5xx, connection refused | transient: retried |
 * | timeout, reset | retried with the same `reference`: SandPay replays the first refund (`idempotent: true`) |
 */
export const statusTypes: Readonly<Record<Exclude<SandpayStatus, 'SUCCESS' | 'PENDING'>, RefundFailureType>> = {
  INSUFFICIENT_FUNDS: 'InsufficientMerchantFunds',
  TIMEOUT: 'ProviderTemporarilyDeclined',
  SERVICE_UNAVAILABLE: 'ProviderTemporarilyDeclined',
  PIN_INVALID: 'RefundDeclined',
  ACCOUNT_BLOCKED: 'RefundDeclined',
  USER_CANCELLED: 'RefundDeclined',
  UNKNOWN_MSISDN: 'RefundDeclined',
  LIMIT_EXCEEDED: 'RefundDeclined',
  DUPLICATE_REFERENCE: 'ProviderRejectedRequest',
};

export function statusFailure(
  status: Exclude<SandpayStatus, 'SUCCESS' | 'PENDING'>,
  message?: string
): ApplicationFailure {
  return permanentFailure(statusTypes[status], PROVIDER, status, message ?? `refund ended ${status}`);
}

export function errorFailure(status: number, error: SandpayError): ApplicationFailure {
  const mentionsAmount = JSON.stringify(error.detail ?? {}).includes('"amount"');
  const type: RefundFailureType =
    status === 401
      ? 'ProviderAuthFailed'
      : status === 404
        ? 'PaymentNotFound'
        : status === 400 && mentionsAmount
          ? 'InvalidRefundAmount'
          : 'ProviderRejectedRequest';
  return permanentFailure(type, PROVIDER, error.error, error.message);
}
