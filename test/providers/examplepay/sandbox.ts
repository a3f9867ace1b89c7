import { randomUUID } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import { tag } from '../../../src/sandbox/provider';
import type { SandboxContext, SandboxProvider } from '../../../src/sandbox/provider';

export const EXAMPLEPAY_SANDBOX_KEY = 'examplepay-sandbox-key';

const refundBody = z
  .object({
    payment_id: z.string(),
    amount_minor: z.number().int().positive(),
    currency: z.string().length(3),
    reference: z.string().min(1),
  })
  .strict();
type Refund = z.infer<typeof refundBody> & { readonly id: string; readonly status: 'succeeded' };

/** ExamplePay's simulator: a refund succeeds at once; the same `reference` replays the first refund. */
export function createExamplepaySandbox(ctx: SandboxContext): SandboxProvider {
  let byReference = new Map<string, Refund>();
  const payments = new Map<string, { amountMinor: number; currency: string }>();
  const register = (app: FastifyInstance): void => {
    app.post('/_sandbox/examplepay/payments', async (req, reply) => {
      const body = z
        .object({ amountMinor: z.number().int().positive(), currency: z.string().length(3) })
        .parse(req.body);
      const id = `pay_${randomUUID().slice(0, 8)}`;
      payments.set(id, body);
      return reply.code(201).send({ id });
    });
    app.post('/examplepay/refunds', tag('examplepay', 'refund'), async (req, reply) => {
      if (req.headers['x-api-key'] !== EXAMPLEPAY_SANDBOX_KEY) return reply.code(401).send({ error: 'unauthorized' });
      const body = refundBody.parse(req.body);
      const earlier = byReference.get(body.reference);
      if (earlier) return earlier;
      const payment = payments.get(body.payment_id);
      if (!payment || payment.currency !== body.currency) return reply.code(404).send({ error: 'payment_not_found' });
      const refund: Refund = { ...body, id: `rf_${randomUUID().slice(0, 8)}`, status: 'succeeded' };
      byReference.set(body.reference, refund);
      ctx.ledger.record({
        provider: 'examplepay',
        paymentId: body.payment_id,
        providerRefundId: refund.id,
        reference: body.reference,
        amountMinor: body.amount_minor,
        currency: body.currency,
      });
      return reply.code(201).send(refund);
    });
    app.get('/examplepay/refunds/:id', tag('examplepay', 'status', { read: true }), async (req, reply) => {
      const { id } = req.params as { id: string };
      const refund = [...byReference.values()].find((r) => r.id === id);
      return refund ?? reply.code(404).send({ error: 'not_found' });
    });
  };
  return {
    name: 'examplepay',
    register,
    badRequest: (reply, message) => reply.code(400).send({ error: 'bad_request', message }),
    errorAnswer: (status) => ({ body: { error: status === 404 ? 'not_found' : 'error' } }),
    reset: () => {
      byReference = new Map();
      payments.clear();
    },
    snapshot: () => ({ refunds: [...byReference.values()] }),
    restore: () => undefined,
  };
}
