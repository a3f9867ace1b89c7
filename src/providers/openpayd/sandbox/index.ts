import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import { currencySchema } from '../../../refunds/money';
import type { SandboxContext, SandboxProvider } from '../../../sandbox/provider';

import { openpaydCodes, registerOpenpaydRoutes } from './routes';
import { OpenpaydStore } from './store';
import type { OpenpaydPayment, OpenpaydTransaction } from './store';

/** The API key the OpenPayd sandbox accepts (its public test credential). */
export const OPENPAYD_SANDBOX_KEY = 'opsandbox0000000000000000000000k';

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
  apiKey = OPENPAYD_SANDBOX_KEY
): SandboxProvider & { store: OpenpaydStore } {
  const store = new OpenpaydStore(apiKey, ctx.ledger);
  const random = ctx.strictDocs ? ctx.random('openpayd') : undefined;
  const codes = openpaydCodes(random);
  const strict = random && { unknownReference: random.pick(['http-404', 'declined'] as const) };
  const declined = (message: string) => ({
    code: codes.invalidParameter.code,
    status: 'DECLINED',
    message: `${codes.invalidParameter.message}: ${message}`,
    transactionId: '',
    referenceNo: '',
  });
  const register = (app: FastifyInstance): void => {
    registerOpenpaydRoutes(app, store, { codes, strict });
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
    badRequest: (reply, message) => reply.send(declined(message)),
    // OpenPayd documents no HTTP error answer: its own error is a decline.
    errorAnswer: (status) =>
      status === 404 && strict?.unknownReference === 'http-404'
        ? { body: undefined }
        : {
            body: {
              ...declined(`HTTP ${status}`),
              ...(status === 404 && { code: codes.referenceNotFound.code, message: codes.referenceNotFound.message }),
            },
          },
    strictChoices: () => ({ unknownReference: strict?.unknownReference, codes }),
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
