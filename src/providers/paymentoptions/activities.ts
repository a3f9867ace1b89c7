import type { Logger } from '../../logger';
import { toMajorUnitString } from '../../refunds/money';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import { refundActivityInfo } from '../activity-info';
import { outcomeUnknown, stillPending, transientFailure } from '../failures';
import { ProviderCallError } from '../http';
import { idempotencyKey } from '../idempotency';

import { PaymentoptionsClient } from './client';
import type { PaymentoptionsReply, PaymentoptionsSettings } from './client';
import { PROVIDER, classify, declineFailure, httpFailure, notProcessed } from './outcome';

export interface PaymentoptionsDeps {
  readonly settings: PaymentoptionsSettings;
  readonly logger: Logger;
}

/** Why a call's outcome is known or not, from a transport failure. */
function transportOutcome(err: unknown): never {
  if (!(err instanceof ProviderCallError)) throw err;
  if (err.kind === 'not-sent') throw notProcessed(err.message);
  if (err.kind === 'http-status' && err.httpStatus !== 504) throw notProcessed(err.message);
  // A timeout, a reset, a 504 or an unreadable answer: the refund may have happened.
  throw outcomeUnknown(PROVIDER, err.message);
}

export function createPaymentoptionsActivities(deps: PaymentoptionsDeps) {
  const client = new PaymentoptionsClient(deps.settings);

  return {
    /**
     * Sends the refund once. The profile gives this activity a single attempt: Temporal never resends
     * it; the workflow does, and only after {@link notProcessed}.
     */
    async paymentoptionsSubmitRefund({ request, submission }: SubmitInput<'paymentoptions'>): Promise<SubmitOutcome> {
      const { workflowId, attempt } = refundActivityInfo();
      if (attempt > 1) throw outcomeUnknown(PROVIDER, 'an earlier attempt may have sent this refund');
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
        transportOutcome(err);
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
      switch (classify(code)) {
        case 'approved':
          if (!answer.success || !refundId) throw outcomeUnknown(PROVIDER, `code 0 without success or refund id`);
          return { kind: 'succeeded', providerRefundId: refundId, amountMinor: request.amount.amountMinor };
        case 'unclear':
          if (!refundId)
            throw outcomeUnknown(
              PROVIDER,
              `code ${code} (${answer.payment_details?.responseDescription ?? ''}) without a refund id`
            );
          return { kind: 'pending', providerRefundId: refundId };
        case 'try-again':
          throw notProcessed(`code ${code}: ${answer.payment_details?.responseDescription ?? 'try again'}`);
        case 'declined':
          throw declineFailure(code, answer.payment_details?.responseDescription ?? answer.message);
      }
    },

    /** Reads the refund's own transaction until its result is clear. */
    async paymentoptionsPollRefund({
      providerRefundId,
      intervalMs,
      jitter,
    }: PollInput<'paymentoptions'>): Promise<PollOutcome> {
      if (providerRefundId === null) throw outcomeUnknown(PROVIDER, 'no refund id to read');
      let reply: PaymentoptionsReply;
      try {
        reply = await client.status(providerRefundId);
      } catch (err) {
        // A read is safe to repeat: any transport failure is simply retried.
        if (err instanceof ProviderCallError) throw transientFailure(PROVIDER, err);
        throw err;
      }
      const code = reply.answer.payment_details?.response_code;
      if (code === undefined) throw httpFailure(reply.httpStatus, reply.answer.message);
      switch (classify(code)) {
        case 'approved': {
          const amount = Number(reply.answer.payment_details?.amount);
          return { kind: 'succeeded', providerRefundId, amountMinor: Number.isSafeInteger(amount) ? amount : null };
        }
        case 'unclear':
        case 'try-again':
          throw stillPending(PROVIDER, `refund ${providerRefundId}: code ${code}`, { intervalMs, jitter });
        case 'declined':
          throw declineFailure(code, reply.answer.payment_details?.responseDescription);
      }
    },
  };
}
