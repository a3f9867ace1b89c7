import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';

import { instanceNumber, tag } from '../../../sandbox/provider';
import type { SandboxContext, SandboxProvider } from '../../../sandbox/provider';

/**
 * SandPay `/v1` (mobile money): Bearer `sp_sk_test_…`; `POST /payments/{id}/refund` with optional
 * `amount` (omitted = the full remaining), `reference` as idempotency key (the same reference with
 * the same parameters replays the refund with `idempotent: true`; with other parameters it is
 * `DUPLICATE_REFERENCE`), the merchant float (`INSUFFICIENT_FUNDS` when it is too low), `PENDING`
 * that the control API resolves later; `GET /payments/{id}` in camelCase; errors `{error, message, detail}`.
 *
 * Strict-docs mode: `GET /payments/{id}` has only the docs' fields (no `description`, no
 * `completedAt`), and `status` (which the docs do not list there) is present or not, decided per
 * instance at random; every refund answer has one 2xx status, 200 or 201, drawn per instance.
 */

export const SANDPAY_SANDBOX_KEY = 'sp_sk_test_sandbox0000000000';
const NAME = 'sandpay';
const ID_PATTERN = /^TX_[A-Z0-9]+$/;

export const sandpayStatuses = [
  'SUCCESS',
  'PIN_INVALID',
  'INSUFFICIENT_FUNDS',
  'TIMEOUT',
  'ACCOUNT_BLOCKED',
  'USER_CANCELLED',
  'UNKNOWN_MSISDN',
  'LIMIT_EXCEEDED',
  'SERVICE_UNAVAILABLE',
  'DUPLICATE_REFERENCE',
  'PENDING',
] as const;
type SandpayStatus = (typeof sandpayStatuses)[number];

interface Transaction {
  readonly id: string;
  readonly type: 'collection' | 'refund';
  readonly parentTxId: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly msisdn: string;
  readonly reference: string;
  readonly description: string | null;
  status: SandpayStatus;
  readonly createdAt: string;
  completedAt: string | null;
  /** For collections: how a refund of it settles (SUCCESS, PENDING or a failure status). */
  readonly refundOutcome?: SandpayStatus;
}

interface State {
  /** Requests a minute per API key (Trial/Free plan: 100), then 429 `rate_limited` with Retry-After. */
  rateLimitPerMinute: number;
  txs: Record<string, Transaction>;
  /** refund reference → refund tx id */
  references: Record<string, string>;
  merchantBalance: number;
  sequence: number;
}

const refundBody = z
  .object({
    amount: z.number().int().min(1).optional(),
    reference: z.string().min(1).max(80).optional(),
    description: z.string().max(200).optional(),
  })
  .strict();

const createPaymentBody = z
  .object({
    amountMinor: z.number().int().positive(),
    currency: z.string().min(3).max(4).default('XOF'),
    msisdn: z.string().default('+2250700000001'),
    refundOutcome: z.enum(sandpayStatuses).default('SUCCESS'),
  })
  .strict();

const resolveBody = z.object({ status: z.enum(sandpayStatuses).exclude(['PENDING']) }).strict();
const floatBody = z.object({ balanceMinor: z.number().int().nonnegative() }).strict();
const settingsBody = z.object({ rateLimitPerMinute: z.number().int().positive() }).strict();

/** The docs' error codes by HTTP status. */
const errorCodes: Record<number, string> = {
  400: 'invalid_body',
  401: 'unauthorized',
  402: 'quota_exceeded',
  404: 'not_found',
  429: 'rate_limited',
};

const fieldErrors = (error: z.ZodError) => {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) (out[issue.path.join('.') || '_'] ??= []).push(issue.message);
  return { fieldErrors: out };
};

export function createSandpaySandbox(ctx: SandboxContext, apiKey = SANDPAY_SANDBOX_KEY): SandboxProvider {
  const initial = (): State => ({
    rateLimitPerMinute: 100,
    txs: {},
    references: {},
    merchantBalance: 1_000_000,
    sequence: 0,
  });
  const requestTimes: number[] = [];
  let state = initial();
  const strict = ctx.strictDocs
    ? (() => {
        const r = ctx.random(NAME);
        return { statusInRead: r.chance(0.5), refundHttpStatus: r.pick([200, 201] as const) };
      })()
    : undefined;
  /** The HTTP status of a refund answer: lenient 201 for a new refund and 200 for a replay. */
  const created = (replay: boolean) => strict?.refundHttpStatus ?? (replay ? 200 : 201);

  const instance = instanceNumber(6).toString(36).toUpperCase();
  const nextId = (prefix: 'TX_' | 'TX_RF') => {
    state.sequence += 1;
    return `${prefix}${instance}${state.sequence.toString(36).toUpperCase().padStart(4, '0')}`;
  };

  const fail = (reply: FastifyReply, status: number, error: string, message: string, detail?: unknown) =>
    reply.code(status).send({ error, message, ...(detail !== undefined && { detail }) });

  const refundedTotal = (parentId: string, statuses: readonly SandpayStatus[] = ['SUCCESS', 'PENDING']) =>
    Object.values(state.txs)
      .filter((t) => t.parentTxId === parentId && statuses.includes(t.status))
      .reduce((sum, t) => sum + t.amount, 0);

  const refundAnswer = (tx: Transaction, idempotent: boolean) => {
    const parent = state.txs[tx.parentTxId ?? ''];
    const settled = refundedTotal(tx.parentTxId ?? '', ['SUCCESS']);
    return {
      tx_id: tx.id,
      type: 'refund',
      status: tx.status,
      amount: tx.amount,
      parent_tx_id: tx.parentTxId,
      refunded_total: settled,
      refundable_remaining: parent ? parent.amount - refundedTotal(parent.id) : 0,
      merchant_balance_after: state.merchantBalance,
      recipient_balance_after: tx.status === 'SUCCESS' ? 25_000 + tx.amount : null,
      idempotent,
    };
  };

  const settle = (tx: Transaction, status: SandpayStatus) => {
    tx.status = status;
    tx.completedAt = new Date().toISOString();
    if (status === 'SUCCESS') {
      state.merchantBalance -= tx.amount;
      ctx.ledger.record({
        provider: NAME,
        paymentId: tx.parentTxId ?? '',
        providerRefundId: tx.id,
        reference: tx.reference,
        amountMinor: tx.amount,
        currency: tx.currency,
      });
    }
  };

  const register = (app: FastifyInstance): void => {
    app.addHook('onRequest', async (req, reply) => {
      if (req.url.startsWith('/sandpay/')) void reply.header('x-request-id', randomUUID());
    });

    const authorized = (authorization: string | undefined, reply: FastifyReply): boolean => {
      if (!authorization?.startsWith('Bearer ')) {
        void fail(reply, 401, 'unauthorized', 'Missing or malformed Authorization header');
        return false;
      }
      if (authorization.slice('Bearer '.length) !== apiKey) {
        void fail(reply, 401, 'invalid_api_key', 'Invalid API key');
        return false;
      }
      const now = Date.now();
      while (requestTimes.length > 0 && now - (requestTimes[0] ?? now) >= 60_000) requestTimes.shift();
      if (requestTimes.length >= state.rateLimitPerMinute) {
        const retryAfter = Math.max(1, Math.ceil((60_000 - (now - (requestTimes[0] ?? now))) / 1000));
        void reply.header('retry-after', String(retryAfter));
        void fail(reply, 429, 'rate_limited', 'Rate limit exceeded');
        return false;
      }
      requestTimes.push(now);
      return true;
    };

    app.post('/sandpay/v1/payments/:id/refund', tag(NAME, 'refund'), async (req, reply) => {
      if (!authorized(req.headers.authorization, reply)) return reply;
      const { id } = req.params as { id: string };
      if (!ID_PATTERN.test(id)) {
        return fail(reply, 400, 'invalid_params', 'Invalid path parameters', {
          fieldErrors: { id: ['must match ^TX_[A-Z0-9]+$'] },
        });
      }
      const parsed = refundBody.safeParse(req.body ?? {});
      if (!parsed.success) return fail(reply, 400, 'invalid_body', 'Invalid request body', fieldErrors(parsed.error));
      const parent = state.txs[id];
      if (!parent || parent.type !== 'collection') return fail(reply, 404, 'not_found', `Payment ${id} not found`);
      const body = parsed.data;
      const remaining = parent.amount - refundedTotal(parent.id);

      if (body.reference !== undefined) {
        const existing = state.txs[state.references[body.reference] ?? ''];
        if (existing) {
          const same =
            existing.parentTxId === parent.id && (body.amount === undefined || body.amount === existing.amount);
          if (same) return reply.code(created(true)).send(refundAnswer(existing, true));
          const duplicate = newRefund(parent, body.amount ?? remaining, `${body.reference}#dup`, body.description);
          duplicate.status = 'DUPLICATE_REFERENCE';
          duplicate.completedAt = duplicate.createdAt;
          return reply.code(created(false)).send(refundAnswer(duplicate, false));
        }
      }
      const amount = body.amount ?? remaining;
      if (remaining <= 0 || amount > remaining) {
        return fail(reply, 400, 'invalid_body', 'Amount exceeds the refundable remaining', {
          fieldErrors: { amount: [`must be at most ${remaining}`] },
        });
      }
      const refund = newRefund(parent, amount, body.reference ?? `auto_${randomUUID()}`, body.description);
      if (state.merchantBalance < amount) {
        refund.status = 'INSUFFICIENT_FUNDS';
        refund.completedAt = refund.createdAt;
      } else if (parent.refundOutcome === 'PENDING') {
        refund.status = 'PENDING';
      } else {
        settle(refund, parent.refundOutcome ?? 'SUCCESS');
      }
      return reply.code(created(false)).send(refundAnswer(refund, false));
    });

    app.get('/sandpay/v1/payments/:id', tag(NAME, 'payment', { read: true }), async (req, reply) => {
      if (!authorized(req.headers.authorization, reply)) return reply;
      const { id } = req.params as { id: string };
      if (!ID_PATTERN.test(id)) {
        return fail(reply, 400, 'invalid_params', 'Invalid path parameters', {
          fieldErrors: { id: ['must match ^TX_[A-Z0-9]+$'] },
        });
      }
      const tx = state.txs[id];
      if (!tx) return fail(reply, 404, 'not_found', `Payment ${id} not found`);
      const commission = Math.round(tx.amount * 0.01);
      // Strict mode leaves out what the docs do not show: `description`, `completedAt`, and maybe `status`.
      return {
        id: tx.id,
        type: tx.type,
        ...((!strict || strict.statusInRead) && { status: tx.status }),
        parentTxId: tx.parentTxId,
        orderRef: null,
        amount: tx.amount,
        commission,
        netAmount: tx.amount - commission,
        currency: tx.currency,
        country: 'CI',
        msisdn: tx.msisdn,
        reference: tx.reference,
        ...(!strict && { description: tx.description }),
        createdAt: tx.createdAt,
        ...(!strict && { completedAt: tx.completedAt }),
        raw: { _simulated: true },
      };
    });

    app.post('/_sandbox/sandpay/payments', async (req, reply) => {
      const parsed = createPaymentBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', detail: fieldErrors(parsed.error) });
      const tx: Transaction = {
        id: nextId('TX_'),
        type: 'collection',
        parentTxId: null,
        amount: parsed.data.amountMinor,
        currency: parsed.data.currency,
        msisdn: parsed.data.msisdn,
        reference: `collection_${randomUUID()}`,
        description: null,
        status: 'SUCCESS',
        createdAt: new Date().toISOString(),
        completedAt: new Date().toISOString(),
        refundOutcome: parsed.data.refundOutcome,
      };
      state.txs[tx.id] = tx;
      return reply.code(201).send({ transactionId: tx.id, amountMinor: tx.amount, currency: tx.currency });
    });

    app.put('/_sandbox/sandpay/float', async (req, reply) => {
      const parsed = floatBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', detail: fieldErrors(parsed.error) });
      state.merchantBalance = parsed.data.balanceMinor;
      return { balanceMinor: state.merchantBalance };
    });

    app.put('/_sandbox/sandpay/settings', async (req, reply) => {
      const parsed = settingsBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', detail: fieldErrors(parsed.error) });
      state.rateLimitPerMinute = parsed.data.rateLimitPerMinute;
      requestTimes.length = 0;
      return { rateLimitPerMinute: state.rateLimitPerMinute };
    });

    app.post('/_sandbox/sandpay/refunds/:id/resolve', async (req, reply) => {
      const parsed = resolveBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', detail: fieldErrors(parsed.error) });
      const tx = state.txs[(req.params as { id: string }).id];
      if (!tx || tx.type !== 'refund') return reply.code(404).send({ error: 'not_found' });
      if (tx.status !== 'PENDING')
        return reply.code(409).send({ error: 'conflict', message: `refund is ${tx.status}` });
      settle(tx, parsed.data.status);
      return { id: tx.id, status: tx.status };
    });
  };

  function newRefund(parent: Transaction, amount: number, reference: string, description?: string): Transaction {
    const tx: Transaction = {
      id: nextId('TX_RF'),
      type: 'refund',
      parentTxId: parent.id,
      amount,
      currency: parent.currency,
      msisdn: parent.msisdn,
      reference,
      description: description ?? null,
      status: 'PENDING',
      createdAt: new Date().toISOString(),
      completedAt: null,
    };
    state.txs[tx.id] = tx;
    state.references[reference] = tx.id;
    return tx;
  }

  return {
    name: NAME,
    register,
    badRequest: (reply, message) => fail(reply, 400, 'invalid_body', message),
    errorAnswer: (status) => ({ body: { error: errorCodes[status] ?? 'internal', message: `HTTP ${status}` } }),
    strictChoices: () => ({ ...strict }),
    reset: () => {
      state = initial();
      requestTimes.length = 0;
    },
    snapshot: () => state,
    restore: (snapshot) => {
      state = snapshot as State;
    },
  };
}
