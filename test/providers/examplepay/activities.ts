import { z } from 'zod';

import type { Logger } from '../../../src/logger';
import { refundActivityInfo } from '../../../src/providers/activity-info';
import { callProvider, readFailure, readProvider, stillPending } from '../../../src/providers/failures';
import { providerRequest } from '../../../src/providers/http';
import { idempotencyKey } from '../../../src/providers/idempotency';
import { parseProviderBody } from '../../../src/providers/validation';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../../src/refunds/provider-outcome';

import type { ExamplepayRefundRequest } from '.';

const PROVIDER = 'ExamplePay';

export interface ExamplepaySettings {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
}

const refundSchema = z.object({
  id: z.string(),
  payment_id: z.string(),
  amount_minor: z.number().int(),
  currency: z.string(),
  reference: z.string(),
  status: z.enum(['succeeded', 'pending']),
});
type ExamplepayRefund = z.infer<typeof refundSchema>;

export function createExamplepayActivities(deps: { readonly settings: ExamplepaySettings; readonly logger: Logger }) {
  const { baseUrl, apiKey, timeoutMs } = deps.settings;
  const call = async (method: 'GET' | 'POST', path: string, body?: object): Promise<ExamplepayRefund> => {
    const response = await providerRequest({
      method,
      url: `${baseUrl}${path}`,
      headers: { 'x-api-key': apiKey },
      ...(body && { body: { contentType: 'application/json', text: JSON.stringify(body) } }),
      timeoutMs,
    });
    return parseProviderBody(PROVIDER, refundSchema, response.json);
  };
  const outcome = (refund: ExamplepayRefund): SubmitOutcome =>
    refund.status === 'succeeded'
      ? { kind: 'succeeded', providerRefundId: refund.id, amountMinor: refund.amount_minor }
      : { kind: 'pending', providerRefundId: refund.id };

  return {
    async examplepaySubmitRefund({
      request,
      submission,
    }: SubmitInput<ExamplepayRefundRequest>): Promise<SubmitOutcome> {
      const reference = idempotencyKey(refundActivityInfo().workflowId, `refund-${submission}`, 64);
      const refund = await callProvider(PROVIDER, () =>
        call('POST', '/refunds', {
          payment_id: request.paymentId,
          amount_minor: request.amount.amountMinor,
          currency: request.amount.currency,
          reference,
        })
      );
      return outcome(refund);
    },

    async examplepayPollRefund(input: PollInput<ExamplepayRefundRequest>): Promise<PollOutcome> {
      if (input.providerRefundId === null) throw readFailure(PROVIDER, 'no refund id to read', input);
      const id = input.providerRefundId;
      const refund = await readProvider(PROVIDER, input, () => call('GET', `/refunds/${encodeURIComponent(id)}`));
      if (refund.id !== id) throw readFailure(PROVIDER, `the read answered for ${refund.id}, not ${id}`, input);
      if (refund.status === 'succeeded')
        return { kind: 'succeeded', providerRefundId: refund.id, amountMinor: refund.amount_minor };
      if (input.reportHealthy) return { kind: 'healthy' };
      throw stillPending(PROVIDER, `refund ${id} still pending`, input);
    },
  };
}
