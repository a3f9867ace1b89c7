import { timingSafeEqual } from 'node:crypto';

import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { RefundsClient } from '../client';
import { refundIdOfGetpaidReference } from '../providers/getpaid/reference';

import { sendProblem } from './problem';

/** GetPaid's refund webhook envelope (legacy API); only what routing the event needs is checked. */
const getpaidEvent = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9]+$/),
  type: z.string().min(1).max(100),
  data: z
    .object({
      refund_id: z.string().regex(/^rfd_[A-Za-z0-9]+$/),
      reference: z.string().max(100).nullable().optional(),
    })
    .loose(),
});

/** Event ids already handed to a refund by this API instance (the workflow dedupes across instances). */
const SEEN_LIMIT = 10_000;

export interface WebhookDeps {
  readonly secret: string | undefined;
  readonly refunds: RefundsClient;
  readonly isTemporalUnavailable: (err: unknown) => boolean;
}

/**
 * `POST /v1/webhooks/getpaid?token=<secret>`. GetPaid's webhooks are unsigned, so the URL carries a
 * secret, and the event only makes the refund read its status from GetPaid: a forged event can make
 * a refund look, never move. Answered 2xx only once the signal is delivered (Temporal buffers it
 * even if the refund has not recorded GetPaid's id yet); 5xx while Temporal is unreachable, so
 * GetPaid retries; 2xx for events that are not ours or for ended refunds, since a 4xx would make
 * GetPaid stop sending.
 */
export function registerGetpaidWebhook(app: FastifyInstance, deps: WebhookDeps): void {
  const seen = new Set<string>();
  const expected = deps.secret === undefined ? undefined : Buffer.from(deps.secret);

  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/webhooks/getpaid',
    {
      schema: {
        querystring: z.object({ token: z.string().max(200).optional() }),
        body: getpaidEvent,
        summary: "GetPaid's refund webhook (secret token in the URL)",
        security: [],
      },
    },
    async (req, reply) => {
      const given = Buffer.from(req.query.token ?? '');
      if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return sendProblem(reply, { title: 'Unauthorized', status: 401 });
      }
      const event = req.body;
      const refundId = event.data.reference ? refundIdOfGetpaidReference(event.data.reference) : undefined;
      if (refundId === undefined)
        return { received: true, delivered: false, note: 'not a refund of this orchestrator' };
      if (seen.has(event.id)) return { received: true, delivered: true, note: 'duplicate' };
      try {
        await deps.refunds.deliverProviderEvent(refundId, {
          eventId: event.id,
          type: event.type,
          providerRefundId: event.data.refund_id,
        });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError)
          return { received: true, delivered: false, note: 'refund ended or unknown' };
        if (deps.isTemporalUnavailable(err)) {
          return sendProblem(reply, { title: 'Service unavailable', status: 503, detail: 'retry later' });
        }
        throw err;
      }
      if (seen.size >= SEEN_LIMIT) seen.clear();
      seen.add(event.id);
      return { received: true, delivered: true };
    }
  );
}
