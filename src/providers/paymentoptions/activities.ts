import type { Logger } from '../../logger';
import { fromMajorUnitString, toMajorUnitString } from '../../refunds/minor-units';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import { refundActivityInfo } from '../activity-info';
import { notProcessed, outcomeUnknown, readFailure, readProvider, sendFailure, stillPending } from '../failures';
import { idempotencyKey } from '../idempotency';

import { PaymentoptionsClient } from './client';
import type { PaymentoptionsReply, PaymentoptionsSettings } from './client';
import { PROVIDER, classify, declineFailure, httpFailure, isRefundDecline } from './outcome';
import type { PaymentoptionsRefundRequest } from './request';

export interface PaymentoptionsDeps {
  readonly settings: PaymentoptionsSettings;
  readonly logger: Logger;
}

export function createPaymentoptionsActivities(deps: PaymentoptionsDeps) {
  const client = new PaymentoptionsClient(deps.settings);
  /** The account's `amount` (minor units, or a major-unit decimal) → minor units, exactly. */
  const minorOf = (amount: number | string | undefined, request: PaymentoptionsRefundRequest): number | null => {
    if (amount === undefined) return null;
    const text = String(amount);
    const minor =
      deps.settings.amountUnit === 'minor'
        ? /^\d+$/.test(text)
          ? Number(text)
          : undefined
        : fromMajorUnitString(text, request.amount.currency);
    return minor !== undefined && Number.isSafeInteger(minor) ? minor : null;
  };

  return {
    /**
     * Sends the refund once. The profile gives this activity a single attempt: Temporal never resends
     * it; the workflow does, and only after the provider said it did not process it.
     */
    async paymentoptionsSubmitRefund(input: SubmitInput<PaymentoptionsRefundRequest>): Promise<SubmitOutcome> {
      const { request, submission } = input;
      const { workflowId, afterEarlierAttempt } = refundActivityInfo(input);
      // A second attempt follows one that may have reached PaymentOptions: it never sends.
      if (afterEarlierAttempt) {
        throw outcomeUnknown(PROVIDER, 'an earlier attempt may have sent this refund', { afterEarlierAttempt: true });
      }
      const amount =
        deps.settings.amountUnit === 'minor' ? request.amount.amountMinor : toMajorUnitString(request.amount);
      // `notes` carries our key so that PaymentOptions' records can be matched to the refund by hand.
      const notes = idempotencyKey(workflowId, `refund-${submission}`, 128);
      let reply: PaymentoptionsReply;
      try {
        reply = await client.refund({
          transactionId: request.paymentId,
          amount,
          merchant_id: request.merchantId,
          notes,
        });
      } catch (err) {
        sendFailure(PROVIDER, err);
      }
      const { answer, httpStatus } = reply;
      const code = answer.payment_details?.response_code;
      const refundId = answer.transaction_details?.id;
      deps.logger.info(
        { provider: 'paymentoptions', workflowId, httpStatus, code, refundId },
        'PaymentOptions answered the refund'
      );
      if (code === undefined) {
        if (httpStatus >= 400) throw httpFailure(httpStatus, answer.message);
        throw outcomeUnknown(PROVIDER, `HTTP ${httpStatus} without a response code`);
      }
      const description = answer.payment_details?.responseDescription ?? answer.message;
      switch (classify(code)) {
        case 'approved': {
          if (!answer.success || !refundId) throw outcomeUnknown(PROVIDER, `code 0 without success or refund id`);
          const amountMinor = minorOf(answer.payment_details?.amount, request);
          // What moved must be known: without a readable amount its own status read tells.
          if (amountMinor === null) return { kind: 'pending', providerRefundId: refundId };
          return { kind: 'succeeded', providerRefundId: refundId, amountMinor };
        }
        case 'unclear':
          if (!refundId) throw outcomeUnknown(PROVIDER, `code ${code} (${description ?? ''}) without a refund id`);
          return { kind: 'pending', providerRefundId: refundId };
        case 'try-again':
          // With a refund id there is a record to read; only without one is it sent again.
          if (refundId) return { kind: 'pending', providerRefundId: refundId };
          throw notProcessed(PROVIDER, `code ${code}: ${description ?? 'try again'}`);
        case 'declined':
          throw declineFailure(code, description, { scope: 'request' });
      }
    },

    /** Reads the refund's own transaction until its result is clear; errors are read again. */
    async paymentoptionsPollRefund(input: PollInput<PaymentoptionsRefundRequest>): Promise<PollOutcome> {
      const { request, providerRefundId, intervalMs, jitter } = input;
      if (providerRefundId === null) throw readFailure(PROVIDER, 'no refund id to read', input);
      const reply = await readProvider(PROVIDER, input, () => client.status(providerRefundId));
      const code = reply.answer.payment_details?.response_code;
      const about = reply.answer.transaction_details?.id;
      if (about !== undefined && about !== providerRefundId) {
        throw readFailure(PROVIDER, `the status read answered for ${about}, not ${providerRefundId}`, input);
      }
      if (reply.httpStatus >= 400 || code === undefined) {
        throw readFailure(
          PROVIDER,
          `status read: HTTP ${reply.httpStatus}${code === undefined ? ' without a response code' : ''}`,
          input
        );
      }
      switch (classify(code)) {
        case 'approved': {
          const amountMinor = minorOf(reply.answer.payment_details?.amount, request);
          if (amountMinor === null) throw readFailure(PROVIDER, `approved without a readable amount`, input);
          return { kind: 'succeeded', providerRefundId, amountMinor };
        }
        case 'unclear':
        case 'try-again':
          if (input.reportHealthy) return { kind: 'healthy' };
          throw stillPending(PROVIDER, `refund ${providerRefundId}: code ${code}`, { intervalMs, jitter });
        case 'declined':
          // Only a decline of our refund's own transaction is final; a lookup, format, merchant or
          // "unknown" code says nothing about it.
          if (!isRefundDecline(code) || reply.answer.transaction_type !== 'REFUND' || about !== providerRefundId) {
            throw readFailure(
              PROVIDER,
              `status read: code ${code} ${reply.answer.payment_details?.responseDescription ?? ''}`,
              input
            );
          }
          throw declineFailure(code, reply.answer.payment_details?.responseDescription, {
            scope: 'refund',
            providerRefundId,
          });
      }
    },
  };
}
