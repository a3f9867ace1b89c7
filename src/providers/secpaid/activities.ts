import type { Logger } from '../../logger';
import { toMajorUnitString } from '../../refunds/money';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import { refundActivityInfo } from '../activity-info';
import { callProvider, permanentFailure, stillPending } from '../failures';

import { SecpaidClient } from './client';
import type { SecpaidSettings } from './client';
import { ALREADY_REQUESTED, PROVIDER, refusal } from './outcome';

export interface SecpaidDeps {
  readonly settings: SecpaidSettings;
  readonly logger: Logger;
}

/** SecPaid's activities; they run on their own task queue, rate-limited across all workers. */
export function createSecpaidActivities(deps: SecpaidDeps) {
  const client = new SecpaidClient(deps.settings);

  return {
    /** Requests the refund. SecPaid takes one request per link, so a resend can never refund twice. */
    async secpaidSubmitRefund({ request }: SubmitInput<'secpaid'>): Promise<SubmitOutcome> {
      const { workflowId, attempt } = refundActivityInfo();
      const log = deps.logger.child({ provider: 'secpaid', workflowId, attempt, payId: request.paymentId });
      const amount = toMajorUnitString(request.amount);
      const answer = await callProvider(PROVIDER, () => client.refundPayment(request.paymentId, amount, request.full));
      log.info(
        { responseCode: answer.ResponseCode, message: answer.ResponseMsg },
        'SecPaid answered the refund request'
      );
      if (answer.ResponseCode === 1) return { kind: 'pending', providerRefundId: null };
      if (answer.ResponseMsg === ALREADY_REQUESTED && attempt > 1) {
        // An earlier attempt's request arrived and its answer was lost: that request is ours.
        return { kind: 'pending', providerRefundId: null };
      }
      throw refusal(answer.ResponseMsg);
    },

    /** Looks for the approved refund in `getPayInTransactions`; still in review while it is absent. */
    async secpaidPollRefund({ request, intervalMs, jitter }: PollInput<'secpaid'>): Promise<PollOutcome> {
      const { envelope, rows } = await callProvider(PROVIDER, () => client.payInTransactions(request.paymentId));
      if (envelope.ResponseCode !== 1) throw refusal(envelope.ResponseMsg);
      const refund = rows.find(
        (r) =>
          r.pay_id === request.paymentId &&
          (r.transaction_type === 'Refund' || r.is_refund === 'true') &&
          r.amount.startsWith('-')
      );
      if (!refund)
        throw stillPending(PROVIDER, `refund of pay_id ${request.paymentId} still in review`, { intervalMs, jitter });
      const amountMinor = minorFromNegativeDecimal(refund.amount);
      if (amountMinor === undefined) {
        throw permanentFailure(
          'ProviderRejectedRequest',
          PROVIDER,
          undefined,
          `unreadable refund amount ${refund.amount}`
        );
      }
      return { kind: 'succeeded', providerRefundId: refund.transaction_id, amountMinor };
    },
  };
}

/** "-49.99" → 4999, exactly (string arithmetic); undefined when it is not a 2-decimal amount. */
function minorFromNegativeDecimal(value: string): number | undefined {
  const match = /^-(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!match?.[1]) return undefined;
  return Number(match[1] + (match[2] ?? '').padEnd(2, '0'));
}
