import type { ApplicationFailure } from '@temporalio/common';

import type { FailureType } from '../../refunds/failures';
import { permanentFailure } from '../failures';
import type { AnswerFacts } from '../failures';

export const PROVIDER = 'PaymentOptions';

/**
 * PaymentOptions answers → outcome. It has no idempotency key and no way to look a refund up
 * without the refund's own id, so a request is never sent twice blindly: its activity runs once,
 * and the workflow sends again only after an answer that says the refund was not processed.
 *
 * | answer (`payment_details.response_code`, HTTP) | outcome |
 * | --- | --- |
 * | `success` and 0 | succeeded |
 * | 578 pending, 676–704 "result is unclear", 68 time out (with the refund's id) | pending: status read of that id until final |
 * | the same without an id, a timeout, a reset, any 5xx, an unreadable answer | OutcomeUnknown: `NeedsAttention`, nothing resent |
 * | "Try again" codes (-1, 19, 28, 91, 96, 443–460 but 451/458, 675/678/681/703/705), HTTP 429, connection refused | not processed: sent again later |
 * | 13, 836 | InvalidRefundAmount |
 * | 25, HTTP 404 | PaymentNotFound |
 * | 79 "already reversed", 94 "duplicate transmission" | AlreadyRefunded (already done: ours only if a read shows it) |
 * | 30, HTTP 400 | ProviderRejectedRequest |
 * | 3, HTTP 401 | ProviderAuthFailed |
 * | any other code (5, 12, 14, 51, 57, 58, 93, 833, …) | RefundDeclined |
 *
 * A status read of our refund's own transaction answers for it (scope `refund`): a decline code
 * there ends it; a read without a response code, or any HTTP error, is read again.
 */
const unclear = (code: number) =>
  code === 68 || code === 578 || (code >= 676 && code <= 704 && ![678, 681, 703].includes(code));
const tryAgainCodes = new Set([-1, 19, 28, 91, 96, 675, 678, 681, 703, 705]);
const tryAgain = (code: number) =>
  tryAgainCodes.has(code) || (code >= 443 && code <= 460 && code !== 451 && code !== 458);

const codeTypes: Readonly<Record<number, FailureType>> = {
  3: 'ProviderAuthFailed',
  13: 'InvalidRefundAmount',
  836: 'InvalidRefundAmount',
  25: 'PaymentNotFound',
  79: 'AlreadyRefunded',
  94: 'AlreadyRefunded',
  30: 'ProviderRejectedRequest',
};

/** Codes that are about the request or the lookup, not a decline of the refund: 3 invalid merchant, 12 invalid transaction, 25 unable to locate record, 30 format error, 79 already reversed, 94 duplicate, 1295 unknown. */
const notAboutTheRefund = new Set([3, 12, 25, 30, 79, 94, 1295]);

/** Whether a decline code read back from our refund's own transaction is its final decline. */
export function isRefundDecline(code: number): boolean {
  return classify(code) === 'declined' && !notAboutTheRefund.has(code);
}

export type ResponseClass = 'approved' | 'unclear' | 'try-again' | 'declined';

export function classify(code: number): ResponseClass {
  if (code === 0) return 'approved';
  if (unclear(code)) return 'unclear';
  if (tryAgain(code)) return 'try-again';
  return 'declined';
}

export function declineFailure(code: number, message: string | undefined, facts: AnswerFacts): ApplicationFailure {
  return permanentFailure(codeTypes[code] ?? 'RefundDeclined', PROVIDER, String(code), message, facts);
}

export function httpFailure(httpStatus: number, message: string | undefined): ApplicationFailure {
  const type: FailureType =
    httpStatus === 401 ? 'ProviderAuthFailed' : httpStatus === 404 ? 'PaymentNotFound' : 'ProviderRejectedRequest';
  return permanentFailure(type, PROVIDER, `HTTP ${httpStatus}`, message, { scope: 'request' });
}
