import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import { sandboxCredentials } from '../../config';
import { currencySchema } from '../../refunds/money';
import type { SandboxContext, SandboxProvider } from '../provider';

import { registerOpenpaydRoutes } from './routes';
import { OpenpaydStore } from './store';
import type { OpenpaydPayment, OpenpaydTransaction } from './store';

const paymentBody = z
  .object({
    amountMinor: z.number().int().positive(),
    currency: currencySchema,
    method: z.string().min(1).default('CREDITCARD'),
    transactionId: z.string().min(1).max(32).optional(),
  })
  .strict();
const accountBody = z.object({ partialRefunds: z.boolean() }).strict();

export function createOpenpaydSandbox(
  ctx: SandboxContext,
  apiKey = sandboxCredentials.openpaydApiKey
): SandboxProvider & { store: OpenpaydStore } {
  const store = new OpenpaydStore(apiKey, ctx.ledger);
  const register = (app: FastifyInstance): void => {
    registerOpenpaydRoutes(app, store);
    app.post('/_sandbox/openpayd/payments', async (req, reply) => {
      const parsed = paymentBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      if (parsed.data.transactionId !== undefined && store.payments.has(parsed.data.transactionId)) {
        return reply.code(409).send({ error: 'conflict', message: 'transactionId already exists' });
      }
      return reply.code(201).send(store.createPayment(parsed.data));
    });
    app.put('/_sandbox/openpayd/account', async (req, reply) => {
      const parsed = accountBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      store.partialRefundsEnabled = parsed.data.partialRefunds;
      return { partialRefunds: store.partialRefundsEnabled };
    });
  };
  return {
    name: 'openpayd',
    store,
    register,
    badRequest: (reply, message) =>
      reply.send({
        code: 38,
        status: 'DECLINED',
        message: `Invalid parameter: ${message}`,
        transactionId: '',
        referenceNo: '',
      }),
    reset: () => store.reset(),
    snapshot: () => ({
      payments: [...store.payments.values()],
      byReference: [...store.byReference.values()],
      partialRefundsEnabled: store.partialRefundsEnabled,
    }),
    restore: (snapshot) => {
      const s = snapshot as {
        payments: OpenpaydPayment[];
        byReference: OpenpaydTransaction[];
        partialRefundsEnabled: boolean;
      };
      store.reset();
      for (const p of s.payments) store.payments.set(p.transactionId, p);
      for (const t of s.byReference) store.byReference.set(t.referenceNo, t);
      store.partialRefundsEnabled = s.partialRefundsEnabled;
    },
  };
}
