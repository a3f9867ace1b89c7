import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { z } from 'zod';

import { sandboxCredentials } from '../config';
import { currencySchema } from '../refunds/money';

import { Ledger } from './ledger';
import { registerOpenpaydRoutes } from './openpayd/routes';
import { OpenpaydStore } from './openpayd/store';

/**
 * The provider sandbox: each provider's API at its documented path under `/<provider>`, and the
 * sandbox's own control API under `/_sandbox/` (create payments, change account settings, read
 * the provider-side ledger). State is in memory.
 */
export interface Sandbox {
  readonly app: FastifyInstance;
  readonly ledger: Ledger;
  readonly openpayd: OpenpaydStore;
}

export interface SandboxOptions {
  readonly logger?: FastifyBaseLogger;
  readonly openpaydApiKey?: string;
}

const openpaydPaymentBody = z
  .object({
    amountMinor: z.number().int().positive(),
    currency: currencySchema,
    method: z.string().min(1).default('CREDITCARD'),
    transactionId: z.string().min(1).max(32).optional(),
  })
  .strict();

const openpaydAccountBody = z.object({ partialRefunds: z.boolean() }).strict();
const ledgerQuery = z.object({ provider: z.string().optional(), paymentId: z.string().optional() });

export async function buildSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const app = Fastify({ loggerInstance: options.logger, bodyLimit: 64 * 1024 });
  await app.register(formbody);
  const ledger = new Ledger();
  const openpayd = new OpenpaydStore(options.openpaydApiKey ?? sandboxCredentials.openpaydApiKey, ledger);

  // A malformed JSON body gets a clear 400 from Fastify; a provider route never sees it crash.
  registerOpenpaydRoutes(app, openpayd);

  const invalid = (error: z.ZodError) => ({
    error: 'invalid_body',
    fields: error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
  });

  app.post('/_sandbox/openpayd/payments', async (req, reply) => {
    const parsed = openpaydPaymentBody.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(invalid(parsed.error));
    if (parsed.data.transactionId !== undefined && openpayd.payments.has(parsed.data.transactionId)) {
      return reply.code(409).send({ error: 'conflict', message: 'transactionId already exists' });
    }
    return reply.code(201).send(openpayd.createPayment(parsed.data));
  });

  app.put('/_sandbox/openpayd/account', async (req, reply) => {
    const parsed = openpaydAccountBody.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(invalid(parsed.error));
    openpayd.partialRefundsEnabled = parsed.data.partialRefunds;
    return { partialRefunds: openpayd.partialRefundsEnabled };
  });

  app.get('/_sandbox/ledger', async (req, reply) => {
    const parsed = ledgerQuery.safeParse(req.query);
    if (!parsed.success) return reply.code(400).send(invalid(parsed.error));
    return { refunds: ledger.list(parsed.data) };
  });

  app.post('/_sandbox/reset', async () => {
    ledger.clear();
    openpayd.reset();
    return { reset: true };
  });

  return { app, ledger, openpayd };
}
