import { randomBytes } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { tag } from '../../../sandbox/provider';
import type { SandboxContext, SandboxProvider } from '../../../sandbox/provider';

import { signJwt, verifyJwt } from './jwt';

/**
 * GetPaid (legacy refunds API): OAuth client-credentials at `/oauth/token` → a Bearer JWT that
 * expires; `POST /refunds` (description required; `routing` for a partial refund, each actor's
 * amount within its `refundable_amount`; no partial refund before the payout started) answers
 * `initiated`; `GET /refunds/{id}`; `GET /payments/{id}` with routing, refundable amounts and the
 * payment's refunds. The refund later completes or fails (control API, or by itself after a delay)
 * and a webhook is POSTed to `urls.webhook`, retried on any non-2xx answer. Errors are RFC 7807.
 *
 * Strict-docs mode: `GET /payments/{id}` is the payment's id and routing only (no `refunds[]`);
 * `GET /refunds/{id}` is `{id, status, _links}` with a status from the v2 set (a refund that did
 * not go through is `declined` or `failed`, at random); the documented webhooks `refund_initiated`
 * and `refund_started` are sent, the undocumented `refund_completed`/`refund_failed` only if this
 * instance drew them.
 */

export const GETPAID_SANDBOX_CLIENT = { clientId: 'getpaid-sandbox-client', clientSecret: 'getpaid-sandbox-secret' };
const NAME = 'getpaid';

const alnum = (n: number) => Array.from(randomBytes(n), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

interface Actor {
  readonly accountId: string | null; // null = the platform
  readonly amount: number;
  refundable: number;
}

interface Payment {
  readonly id: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly payoutStarted: boolean;
  readonly actors: Actor[];
  readonly settle: { readonly outcome: 'completed' | 'failed'; readonly afterMs: number } | null;
}

interface Refund {
  readonly id: string;
  readonly paymentId: string;
  status: 'initiated' | 'completed' | 'declined' | 'failed';
  readonly amountMinor: number;
  readonly currency: string;
  readonly reference: string | null;
  readonly description: string;
  readonly shares: { accountId: string | null; amount: number }[];
  readonly webhookUrl: string | null;
  reason: { code: string; description: string } | null;
  readonly createdAt: string;
  updatedAt: string;
}

export interface WebhookDelivery {
  readonly eventId: string;
  readonly type: string;
  readonly refundId: string;
  readonly url: string;
  attempts: { at: string; status: number | null; error: string | null }[];
  delivered: boolean;
}

interface State {
  payments: Record<string, Payment>;
  refunds: Record<string, Refund>;
  tokenTtlSeconds: number;
  webhookRetryDelaysMs: number[];
}

const problem = (reply: FastifyReply, status: number, title: string, extra: Record<string, unknown> = {}) =>
  reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `https://docs.getpaid.io/errors/${status}`, title, status, ...extra });

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const tokenBody = z.object({
  client_id: z.string(),
  client_secret: z.string(),
  audience: z.string().optional(),
  grant_type: z.literal('client_credentials'),
});

const amount = z.number().int().positive();
const refundBody = z
  .object({
    payment_id: z.string().regex(/^pay_[a-z0-9]{26}$/),
    description: z.string().min(1).max(140),
    reference: z.string().min(1).max(100).optional(),
    routing: z
      .object({
        platform: z.object({ amount }).strict().optional(),
        merchants: z.array(z.object({ id: z.string().min(1), amount }).strict()).optional(),
      })
      .strict()
      .optional(),
    urls: z.object({ webhook: z.url() }).strict().optional(),
  })
  .strict();

const createPaymentBody = z
  .object({
    currency: z.string().length(3).default('EUR'),
    payoutStarted: z.boolean().default(true),
    platformAmountMinor: z.number().int().nonnegative().default(0),
    merchants: z
      .array(z.object({ accountId: z.string().min(1), amountMinor: z.number().int().positive() }).strict())
      .min(1),
    settle: z
      .object({ outcome: z.enum(['completed', 'failed']), afterMs: z.number().int().min(0) })
      .strict()
      .optional(),
  })
  .strict();

const failBody = z
  .object({
    code: z.string().default('declined'),
    description: z.string().default('Refund declined'),
    /** The status the refund ends in: `failed` by default, in strict mode `declined` or `failed` at random. */
    status: z.enum(['declined', 'failed']).optional(),
  })
  .strict();
const webhookBody = z
  .object({ type: z.enum(['refund_completed', 'refund_failed', 'refund_initiated']).optional() })
  .strict();
const settingsBody = z
  .object({
    tokenTtlSeconds: z.number().int().positive().optional(),
    webhookRetryDelaysMs: z.array(z.number().int().nonnegative()).max(20).optional(),
  })
  .strict();

export interface GetpaidSandbox extends SandboxProvider {
  readonly deliveries: WebhookDelivery[];
}

export function createGetpaidSandbox(ctx: SandboxContext): GetpaidSandbox {
  const initial = (): State => ({
    payments: {},
    refunds: {},
    tokenTtlSeconds: 3600,
    webhookRetryDelaysMs: [1000, 2000, 4000, 8000, 16000],
  });
  let state = initial();
  const deliveries: WebhookDelivery[] = [];
  const strict = ctx.strictDocs;
  const choose = ctx.random(NAME);
  const perRefund = ctx.random(`${NAME}:requests`);
  /** Strict mode: whether this instance sends the undocumented `refund_completed`/`refund_failed` webhooks. */
  const completionWebhooks = strict ? choose.chance(0.5) : true;
  const unsuccessful = (): 'declined' | 'failed' => (strict ? perRefund.pick(['declined', 'failed']) : 'failed');
  // Rotating the signing secret revokes every token issued so far.
  let jwtSecret = randomBytes(32).toString('hex');
  let tokensIssued = 0;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    t.unref();
    timers.add(t);
  };

  const authorized = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const auth = req.headers.authorization ?? '';
    const token = /^bearer (.+)$/i.exec(auth)?.[1];
    if (!token || !verifyJwt(token, jwtSecret, Math.floor(Date.now() / 1000))) {
      void problem(reply, 401, 'Unauthorized', {
        detail: token ? 'The access token is invalid or expired' : 'Missing access token',
      });
      return false;
    }
    return true;
  };

  const links = (r: Refund) => ({ self: { href: `${ctx.baseUrl()}/getpaid/refunds/${r.id}` } });
  /** Everything the sandbox knows of a refund (the lenient API's answer, and the control API's). */
  const refundView = (r: Refund) => ({
    id: r.id,
    payment_id: r.paymentId,
    status: r.status,
    amount_minor: r.amountMinor,
    currency: r.currency,
    reference: r.reference,
    description: r.description,
    reason: r.reason,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    _links: links(r),
  });
  /** `GET /refunds/{id}`: the docs show no body for it; strict mode answers what the create answer has. */
  const apiRefundView = (r: Refund) => (strict ? { id: r.id, status: r.status, _links: links(r) } : refundView(r));

  const routingView = (p: Payment) => {
    const platform = p.actors.find((a) => a.accountId === null);
    return {
      platform: { amount: platform?.amount ?? 0, refundable_amount: platform?.refundable ?? 0 },
      merchants: p.actors
        .filter((a) => a.accountId !== null)
        .map((a) => ({ account_id: a.accountId, amount: a.amount, refundable_amount: a.refundable })),
    };
  };
  /** `GET /payments/{id}` in strict mode: the docs show the routing with its refundable amounts, nothing else. */
  const apiPaymentView = (p: Payment) => (strict ? { id: p.id, routing: routingView(p) } : paymentView(p));
  const paymentView = (p: Payment) => {
    return {
      id: p.id,
      status: 'captured',
      amount_minor: p.amountMinor,
      currency: p.currency,
      payout_started: p.payoutStarted,
      routing: routingView(p),
      refunds: Object.values(state.refunds)
        .filter((r) => r.paymentId === p.id)
        .map((r) => ({ id: r.id, status: r.status, reference: r.reference, amount_minor: r.amountMinor })),
    };
  };

  const sendWebhook = (refund: Refund, type: string, eventId = `evt_${alnum(26)}`): WebhookDelivery | undefined => {
    if (!refund.webhookUrl) return undefined;
    const delivery: WebhookDelivery = {
      eventId,
      type,
      refundId: refund.id,
      url: refund.webhookUrl,
      attempts: [],
      delivered: false,
    };
    deliveries.push(delivery);
    const payload = JSON.stringify({
      id: eventId,
      type,
      occurred_at: new Date().toISOString(),
      data: {
        refund_id: refund.id,
        payment_id: refund.paymentId,
        amount_minor: refund.amountMinor,
        currency: refund.currency,
        reference: refund.reference,
      },
    });
    const attempt = (n: number) => {
      void fetch(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      })
        .then((res) => {
          delivery.attempts.push({ at: new Date().toISOString(), status: res.status, error: null });
          if (res.ok) delivery.delivered = true;
          return res.ok;
        })
        .catch((err: unknown) => {
          delivery.attempts.push({ at: new Date().toISOString(), status: null, error: String(err) });
          return false;
        })
        .then((ok) => {
          const delay = state.webhookRetryDelaysMs[n];
          if (!ok && delay !== undefined) later(delay, () => attempt(n + 1));
        });
    };
    attempt(0);
    return delivery;
  };

  const finish = (
    refund: Refund,
    outcome: 'completed' | 'failed',
    reason?: { code: string; description: string },
    failedAs?: 'declined' | 'failed'
  ) => {
    if (refund.status !== 'initiated') return false;
    refund.status = outcome === 'completed' ? 'completed' : (failedAs ?? unsuccessful());
    refund.updatedAt = new Date().toISOString();
    const payment = state.payments[refund.paymentId];
    if (outcome === 'failed') {
      refund.reason = reason ?? { code: 'declined', description: 'Refund declined' };
      for (const share of refund.shares) {
        const actor = payment?.actors.find((a) => a.accountId === share.accountId);
        if (actor) actor.refundable += share.amount;
      }
    } else {
      ctx.ledger.record({
        provider: NAME,
        paymentId: refund.paymentId,
        providerRefundId: refund.id,
        reference: refund.reference,
        amountMinor: refund.amountMinor,
        currency: refund.currency,
      });
    }
    if (strict && outcome === 'completed') sendWebhook(refund, 'refund_started');
    if (completionWebhooks) sendWebhook(refund, outcome === 'completed' ? 'refund_completed' : 'refund_failed');
    return true;
  };

  const register = (app: FastifyInstance): void => {
    app.post('/getpaid/oauth/token', tag(NAME, 'token'), async (req, reply) => {
      const parsed = tokenBody.safeParse(req.body);
      if (!parsed.success) return problem(reply, 400, 'Bad Request', { detail: 'invalid_request' });
      const { client_id: id, client_secret: secret } = parsed.data;
      if (id !== GETPAID_SANDBOX_CLIENT.clientId || secret !== GETPAID_SANDBOX_CLIENT.clientSecret) {
        return problem(reply, 400, 'Bad Request', { detail: 'invalid_client' });
      }
      const now = Math.floor(Date.now() / 1000);
      tokensIssued += 1;
      const access = signJwt(
        {
          sub: id,
          aud: parsed.data.audience ?? 'https://api.sandbox.getpaid.io',
          iat: now,
          exp: now + state.tokenTtlSeconds,
          scope: 'payments:read_write',
        },
        jwtSecret
      );
      return {
        access_token: access,
        token_type: 'Bearer',
        expires_in: state.tokenTtlSeconds,
        scope: 'payments:read_write',
      };
    });

    app.post('/getpaid/refunds', tag(NAME, 'refund'), async (req, reply) => {
      if (!authorized(req, reply)) return reply;
      const parsed = refundBody.safeParse(req.body);
      if (!parsed.success) {
        const errors: Record<string, string[]> = {};
        for (const issue of parsed.error.issues) {
          const missing = issue.code === 'invalid_type' && issue.message.includes('undefined');
          (errors[issue.path.join('.') || 'body'] ??= []).push(missing ? 'field_required' : 'field_invalid');
        }
        return problem(reply, 422, 'Unprocessable Entity', { detail: 'The request was invalid', errors });
      }
      const body = parsed.data;
      const payment = state.payments[body.payment_id];
      if (!payment) return problem(reply, 404, 'Not Found');
      const invalid = (field: string, code: string) =>
        problem(reply, 422, 'Unprocessable Entity', { detail: 'The request was invalid', errors: { [field]: [code] } });

      let shares: { accountId: string | null; amount: number }[];
      if (body.routing === undefined) {
        shares = payment.actors
          .filter((a) => a.refundable > 0)
          .map((a) => ({ accountId: a.accountId, amount: a.refundable }));
        if (shares.length === 0) return invalid('payment_id', 'already_refunded');
      } else {
        if (!payment.payoutStarted) return invalid('routing', 'payout_not_started');
        shares = [];
        if (body.routing.platform) shares.push({ accountId: null, amount: body.routing.platform.amount });
        for (const m of body.routing.merchants ?? []) shares.push({ accountId: m.id, amount: m.amount });
        if (shares.length === 0) return invalid('routing', 'field_required');
        for (const [i, share] of shares.entries()) {
          const actor = payment.actors.find((a) => a.accountId === share.accountId);
          const field =
            share.accountId === null
              ? 'routing.platform.amount'
              : `routing.merchants.${i - (body.routing.platform ? 1 : 0)}`;
          if (!actor) return invalid(`${field}.id`, 'unknown_account');
          if (share.amount > actor.refundable)
            return invalid(field.endsWith('amount') ? field : `${field}.amount`, 'exceeds_refundable_amount');
        }
      }
      for (const share of shares) {
        const actor = payment.actors.find((a) => a.accountId === share.accountId);
        if (actor) actor.refundable -= share.amount;
      }
      const now = new Date().toISOString();
      const refund: Refund = {
        id: `rfd_${alnum(26)}`,
        paymentId: payment.id,
        status: 'initiated',
        amountMinor: shares.reduce((s, x) => s + x.amount, 0),
        currency: payment.currency,
        reference: body.reference ?? null,
        description: body.description,
        shares,
        webhookUrl: body.urls?.webhook ?? null,
        reason: null,
        createdAt: now,
        updatedAt: now,
      };
      state.refunds[refund.id] = refund;
      if (strict) sendWebhook(refund, 'refund_initiated');
      if (payment.settle) {
        const { outcome, afterMs } = payment.settle;
        later(afterMs, () => finish(refund, outcome));
      }
      return reply.code(201).send({ id: refund.id, status: 'initiated', _links: links(refund) });
    });

    app.get('/getpaid/refunds/:id', tag(NAME, 'get-refund', { read: true }), async (req, reply) => {
      if (!authorized(req, reply)) return reply;
      const refund = state.refunds[(req.params as { id: string }).id];
      return refund ? apiRefundView(refund) : problem(reply, 404, 'Not Found');
    });

    app.get('/getpaid/payments/:id', tag(NAME, 'get-payment', { read: true }), async (req, reply) => {
      if (!authorized(req, reply)) return reply;
      const payment = state.payments[(req.params as { id: string }).id];
      return payment ? apiPaymentView(payment) : problem(reply, 404, 'Not Found');
    });

    app.post('/_sandbox/getpaid/payments', async (req, reply) => {
      const parsed = createPaymentBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      const d = parsed.data;
      const actors: Actor[] = [
        ...(d.platformAmountMinor > 0
          ? [{ accountId: null, amount: d.platformAmountMinor, refundable: d.platformAmountMinor }]
          : []),
        ...d.merchants.map((m) => ({ accountId: m.accountId, amount: m.amountMinor, refundable: m.amountMinor })),
      ];
      const payment: Payment = {
        id: `pay_${alnum(26)}`,
        amountMinor: actors.reduce((s, a) => s + a.amount, 0),
        currency: d.currency,
        payoutStarted: d.payoutStarted,
        actors,
        settle: d.settle ?? null,
      };
      state.payments[payment.id] = payment;
      return reply.code(201).send(paymentView(payment));
    });

    const refundOf = (req: FastifyRequest) => state.refunds[(req.params as { id: string }).id];

    app.post('/_sandbox/getpaid/refunds/:id/complete', async (req, reply) => {
      const refund = refundOf(req);
      if (!refund) return reply.code(404).send({ error: 'not_found' });
      if (!finish(refund, 'completed'))
        return reply.code(409).send({ error: 'conflict', message: `refund is ${refund.status}` });
      return refundView(refund);
    });

    app.post('/_sandbox/getpaid/refunds/:id/fail', async (req, reply) => {
      const parsed = failBody.safeParse(req.body ?? {});
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      const refund = refundOf(req);
      if (!refund) return reply.code(404).send({ error: 'not_found' });
      const { status, ...reason } = parsed.data;
      if (!finish(refund, 'failed', reason, status))
        return reply.code(409).send({ error: 'conflict', message: `refund is ${refund.status}` });
      return refundView(refund);
    });

    // Sends (again) a webhook for a refund: duplicates, stale events, events before the refund ends.
    app.post('/_sandbox/getpaid/refunds/:id/webhook', async (req, reply) => {
      const parsed = webhookBody.safeParse(req.body ?? {});
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      const refund = refundOf(req);
      if (!refund) return reply.code(404).send({ error: 'not_found' });
      const type =
        parsed.data.type ??
        (refund.status === 'failed' || refund.status === 'declined'
          ? 'refund_failed'
          : refund.status === 'completed'
            ? 'refund_completed'
            : 'refund_initiated');
      const delivery = sendWebhook(refund, type);
      if (!delivery) return reply.code(409).send({ error: 'conflict', message: 'refund has no webhook URL' });
      return reply.code(202).send({ eventId: delivery.eventId, type });
    });

    app.get('/_sandbox/getpaid/webhooks', async () => ({ deliveries }));

    app.post('/_sandbox/getpaid/revoke-tokens', async () => {
      jwtSecret = randomBytes(32).toString('hex');
      return { revoked: true };
    });
    app.get('/_sandbox/getpaid/tokens', async () => ({ issued: tokensIssued }));

    app.put('/_sandbox/getpaid/settings', async (req, reply) => {
      const parsed = settingsBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      if (parsed.data.tokenTtlSeconds !== undefined) state.tokenTtlSeconds = parsed.data.tokenTtlSeconds;
      if (parsed.data.webhookRetryDelaysMs !== undefined) state.webhookRetryDelaysMs = parsed.data.webhookRetryDelaysMs;
      return { tokenTtlSeconds: state.tokenTtlSeconds, webhookRetryDelaysMs: state.webhookRetryDelaysMs };
    });

    app.addHook('onClose', async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    });
  };

  return {
    name: NAME,
    deliveries,
    register,
    badRequest: (reply, message) => problem(reply, 400, 'Bad Request', { detail: message }),
    errorAnswer: (status) => ({
      body: { type: `https://docs.getpaid.io/errors/${status}`, title: titles[status] ?? 'Error', status },
      contentType: 'application/problem+json',
    }),
    strictChoices: () => ({ completionWebhooks }),
    reset: () => {
      state = initial();
      deliveries.length = 0;
      tokensIssued = 0;
    },
    snapshot: () => state,
    restore: (snapshot) => {
      state = snapshot as State;
    },
  };
}
