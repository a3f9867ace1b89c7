import type { Logger } from '../../logger';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import type { RequestOf } from '../../refunds/request';
import { refundActivityInfo } from '../activity-info';
import { callProvider, stillPending } from '../failures';

import { GetpaidClient } from './client';
import type { GetpaidSettings } from './client';
import { PROVIDER, declined, problemFailure } from './outcome';
import { getpaidReference } from './reference';
import type { GetpaidRefund } from './schemas';

export interface GetpaidDeps {
  readonly settings: GetpaidSettings;
  readonly logger: Logger;
}

function routingBody(request: RequestOf<'getpaid'>) {
  if (!request.routing) return undefined;
  return {
    ...(request.routing.platform && { platform: { amount: request.routing.platform.amountMinor } }),
    ...(request.routing.merchants && {
      merchants: request.routing.merchants.map((m) => ({ id: m.accountId, amount: m.amountMinor })),
    }),
  };
}

function outcomeOf(refund: Pick<GetpaidRefund, 'id' | 'status' | 'reason' | 'amount_minor'>): SubmitOutcome {
  switch (refund.status) {
    case 'completed':
      return { kind: 'succeeded', providerRefundId: refund.id, amountMinor: refund.amount_minor ?? null };
    case 'initiated':
      return { kind: 'pending', providerRefundId: refund.id };
    case 'failed':
    case 'declined':
      throw declined(refund.reason);
  }
}

export function createGetpaidActivities(deps: GetpaidDeps) {
  const client = new GetpaidClient(deps.settings);

  return {
    /**
     * Initiates the refund with a `reference` derived from the workflow id. GetPaid's legacy API takes
     * no idempotency key, so a retry first looks for that reference among the payment's refunds.
     */
    async getpaidSubmitRefund({ request, submission }: SubmitInput<'getpaid'>): Promise<SubmitOutcome> {
      const { workflowId, attempt } = refundActivityInfo();
      const reference = getpaidReference(workflowId, submission);
      const log = deps.logger.child({ provider: 'getpaid', workflowId, attempt, reference });
      if (attempt > 1) {
        const payment = await callProvider(PROVIDER, () => client.payment(request.paymentId));
        if (!payment.ok) throw problemFailure(payment.status, payment.error);
        const earlier = payment.value.refunds.find((r) => r.reference === reference);
        if (earlier) {
          log.info(
            { refundId: earlier.id, status: earlier.status },
            'an earlier attempt reached GetPaid; not sending again'
          );
          return outcomeOf({ id: earlier.id, status: earlier.status, reason: null });
        }
      }
      const routing = routingBody(request);
      const created = await callProvider(PROVIDER, () =>
        client.createRefund({
          payment_id: request.paymentId,
          description: request.description ?? `Refund ${request.refundId}`,
          reference,
          ...(routing && { routing }),
          ...(deps.settings.webhookUrl && { urls: { webhook: deps.settings.webhookUrl } }),
        })
      );
      if (!created.ok) throw problemFailure(created.status, created.error);
      log.info({ refundId: created.value.id, status: created.value.status }, 'GetPaid accepted the refund');
      return outcomeOf({ id: created.value.id, status: created.value.status, reason: null });
    },

    /** Reads the refund; a webhook only says when to read, never what happened. */
    async getpaidPollRefund({ providerRefundId, intervalMs, jitter }: PollInput<'getpaid'>): Promise<PollOutcome> {
      if (providerRefundId === null) throw new Error('GetPaid poll needs the refund id');
      const read = await callProvider(PROVIDER, () => client.refund(providerRefundId));
      if (!read.ok) throw problemFailure(read.status, read.error);
      const outcome = outcomeOf(read.value);
      if (outcome.kind === 'pending')
        throw stillPending(PROVIDER, `refund ${providerRefundId} still initiated`, { intervalMs, jitter });
      return outcome;
    },
  };
}
