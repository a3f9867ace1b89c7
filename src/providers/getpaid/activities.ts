import type { Logger } from '../../logger';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import { refundActivityInfo, refundKeyRoot } from '../activity-info';
import { notProcessed, outcomeUnknown, readFailure, readProvider, sendFailure, stillPending } from '../failures';
import { ProviderCallError } from '../http';

import { GetpaidClient } from './client';
import type { GetpaidSettings } from './client';
import { PROVIDER, declined, problemFailure } from './outcome';
import { getpaidReference } from './reference';
import type { GetpaidRefundRequest } from './request';

export interface GetpaidDeps {
  readonly settings: GetpaidSettings;
  readonly logger: Logger;
}

function routingBody(request: GetpaidRefundRequest) {
  if (!request.routing) return undefined;
  return {
    ...(request.routing.platform && { platform: { amount: request.routing.platform.amountMinor } }),
    ...(request.routing.merchants && {
      merchants: request.routing.merchants.map((m) => ({ id: m.accountId, amount: m.amountMinor })),
    }),
  };
}

export function createGetpaidActivities(deps: GetpaidDeps) {
  const client = new GetpaidClient(deps.settings);

  return {
    /**
     * Initiates the refund once, with a `reference` derived from the workflow id. GetPaid's legacy
     * API takes no idempotency key: after an unknown outcome the refund is looked for, not resent.
     */
    async getpaidSubmitRefund(input: SubmitInput<GetpaidRefundRequest>): Promise<SubmitOutcome> {
      const { request, submission } = input;
      const { workflowId, attempt, afterEarlierAttempt } = refundActivityInfo(input);
      const reference = getpaidReference(workflowId, submission);
      // A second attempt follows one that may have reached GetPaid: it never sends.
      if (afterEarlierAttempt)
        throw outcomeUnknown(PROVIDER, 'an earlier attempt may have sent this refund', { afterEarlierAttempt: true });
      try {
        await client.ensureToken();
      } catch (err) {
        if (err instanceof ProviderCallError) throw notProcessed(PROVIDER, `no access token: ${err.message}`);
        throw err;
      }
      const routing = routingBody(request);
      let created;
      try {
        created = await client.createRefund({
          payment_id: request.paymentId,
          description: request.description ?? `Refund ${request.refundId}`,
          reference,
          ...(routing && { routing }),
          ...(deps.settings.webhookUrl && { urls: { webhook: deps.settings.webhookUrl } }),
        });
      } catch (err) {
        sendFailure(PROVIDER, err);
      }
      if (!created.ok) throw problemFailure(created.status, created.error);
      const { id, status } = created.value;
      deps.logger.info(
        { provider: 'getpaid', workflowId, attempt, reference, refundId: id, status },
        'GetPaid answered the refund'
      );
      if (status === 'completed') return { kind: 'succeeded', providerRefundId: id, amountMinor: null };
      if (status === 'initiated') return { kind: 'pending', providerRefundId: id };
      throw declined(id, null);
    },

    /**
     * `watch`: reads our refund until GetPaid says completed, failed or declined (a webhook only
     * says when to read). `find`: looks for our `reference` among the payment's refunds.
     */
    async getpaidPollRefund(input: PollInput<GetpaidRefundRequest>): Promise<PollOutcome> {
      if (input.mode === 'find')
        return findByReference(client, input, getpaidReference(refundKeyRoot(input), input.submission));
      const { providerRefundId, intervalMs, jitter } = input;
      if (providerRefundId === null) throw readFailure(PROVIDER, 'no refund id to read', input);
      const read = await readProvider(PROVIDER, input, () => client.refund(providerRefundId));
      if (!read.ok) throw readFailure(PROVIDER, `GET /refunds/${providerRefundId}: HTTP ${read.status}`, input);
      const refund = read.value;
      if (refund.id !== providerRefundId) throw readFailure(PROVIDER, `the read answered for ${refund.id}`, input);
      switch (refund.status) {
        case 'completed':
          return { kind: 'succeeded', providerRefundId, amountMinor: refund.amount_minor ?? null };
        case 'failed':
        case 'declined':
          throw declined(providerRefundId, refund.reason);
        case 'initiated':
          if (input.reportHealthy) return { kind: 'healthy' };
          throw stillPending(PROVIDER, `refund ${providerRefundId} still initiated`, { intervalMs, jitter });
      }
    },
  };
}

async function findByReference(
  client: GetpaidClient,
  input: PollInput<GetpaidRefundRequest>,
  reference: string
): Promise<PollOutcome> {
  const payment = await readProvider(PROVIDER, input, () => client.payment(input.request.paymentId));
  if (!payment.ok)
    throw readFailure(PROVIDER, `GET /payments/${input.request.paymentId}: HTTP ${payment.status}`, input);
  const ours = payment.value.refunds?.find((r) => r.reference === reference);
  if (!ours) {
    if (input.retryNotFound) throw stillPending(PROVIDER, `no refund ${reference} found yet`, input);
    return { kind: 'not-found' };
  }
  // Found: its own record (`GET /refunds/{id}`) says how it ends, not the list's entry.
  return { kind: 'pending', providerRefundId: ours.id };
}
