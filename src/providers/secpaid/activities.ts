import type { Logger } from '../../logger';
import { toMajorUnitString } from '../../refunds/minor-units';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import { notBefore, refundActivityInfo } from '../activity-info';
import { callProvider, readFailure, readProvider, stillPending } from '../failures';

import { SecpaidClient } from './client';
import type { SecpaidSettings } from './client';
import { PROVIDER, refusal } from './outcome';
import { judgeRefundRows } from './refund-rows';
import type { SecpaidRefundRequest } from './request';

export interface SecpaidDeps {
  readonly settings: SecpaidSettings;
  readonly logger: Logger;
}

/** SecPaid's activities; they run on their own task queue, rate-limited across all workers. */
export function createSecpaidActivities(deps: SecpaidDeps) {
  const client = new SecpaidClient(deps.settings);

  return {
    /** Requests the refund. SecPaid takes one request per link, so a resend can never refund twice. */
    async secpaidSubmitRefund(input: SubmitInput<SecpaidRefundRequest>): Promise<SubmitOutcome> {
      const { request } = input;
      const { workflowId, attempt, afterEarlierAttempt } = refundActivityInfo(input);
      const log = deps.logger.child({ provider: 'secpaid', workflowId, attempt, payId: request.paymentId });
      const amount = toMajorUnitString(request.amount);
      const answer = await callProvider(PROVIDER, () => client.refundPayment(request.paymentId, amount, request.full));
      log.info(
        { responseCode: answer.ResponseCode, message: answer.ResponseMsg },
        'SecPaid answered the refund request'
      );
      if (answer.ResponseCode === 1) return { kind: 'pending', providerRefundId: null };
      // "Refund already requested" too: whether that request is ours is the decision core's to judge.
      throw refusal(answer.ResponseMsg, { afterEarlierAttempt });
    },

    /**
     * Looks for our approved refund in `getPayInTransactions`: a negative Refund row of the link,
     * of our amount, no older than our first request. Still in review while there is none.
     */
    async secpaidPollRefund(input: PollInput<SecpaidRefundRequest>): Promise<PollOutcome> {
      const { request, intervalMs, jitter } = input;
      const { envelope, rows } = await readProvider(PROVIDER, input, () => client.payInTransactions(request.paymentId));
      if (envelope.ResponseCode !== 1)
        throw readFailure(PROVIDER, `getPayInTransactions: ${envelope.ResponseMsg}`, input);
      const verdict = judgeRefundRows(rows, {
        refundId: request.refundId,
        payId: request.paymentId,
        amountMinor: request.amount.amountMinor,
        firstRequestAt: notBefore(input.firstRequestAt),
      });
      if (verdict.kind === 'approved')
        return { kind: 'succeeded', providerRefundId: verdict.transactionId, amountMinor: request.amount.amountMinor };
      if (verdict.kind === 'not-ours') {
        // A refund of this link since our request, but not of our amount (or unreadable): only a person can tell.
        throw readFailure(
          PROVIDER,
          `refund row ${verdict.transactionId} of ${verdict.amount} EUR is not the ${toMajorUnitString(request.amount)} requested`,
          input
        );
      }
      if (input.reportHealthy) return { kind: 'healthy' };
      throw stillPending(PROVIDER, `refund of pay_id ${request.paymentId} still in review`, { intervalMs, jitter });
    },
  };
}
