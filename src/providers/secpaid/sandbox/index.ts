import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { decimalToMinor, instanceNumber, minorToDecimal, tag } from '../../../sandbox/provider';
import type { SandboxContext, SandboxProvider } from '../../../sandbox/provider';
import { formatBerlinTime } from '../time';

/**
 * SecPaid `/api/v2`: `token` header; every answer is the `ResponseCode`/`ResponseMsg`/`Result`/
 * `ServerTime` envelope, errors with HTTP 200 and `ResponseCode: 0` as the docs' examples show;
 * `refundPayment` creates a *request* that waits for a SecPaid admin (the control API here), one per
 * payment link; `getPayInTransactions` shows an approved refund as a negative `Refund` entry and
 * never shows a pending or rejected one. 60 requests a minute per token, then HTTP 429.
 *
 * Strict-docs mode (drawn per instance where the docs leave a choice): business errors
 * (`ResponseCode: 0`) at HTTP 200 or HTTP 400; the success text one of the two the docs give; an
 * unknown link `Invalid link ID` or `Link not found`, an amount ≤ 0 `Invalid refund amount` or
 * `Refund amount is required` (the pages disagree); `ServerTime` `CEST` or `CET`; the transactions
 * read's `ResponseMsg` (undocumented) a random text. Transaction rows carry every number as a string.
 */

export const SECPAID_SANDBOX_TOKEN = 'secpaid-sandbox-token';
const NAME = 'secpaid';

interface Link {
  readonly payId: number;
  readonly amountMinor: number;
  readonly type: 'basic' | 'invoice';
  status: 'Used' | 'Cancelled';
  dispute: boolean;
  readonly paidAt: string;
  readonly transactionId: string;
}

interface RefundRequestRecord {
  readonly payId: number;
  readonly amountMinor: number;
  readonly isFullRefund: boolean;
  status: 'Pending' | 'Approved' | 'Rejected';
  readonly requestedAt: string;
  decidedAt: string | null;
  reason: string | null;
  transactionId: string | null;
}

interface State {
  links: Record<number, Link>;
  refunds: Record<number, RefundRequestRecord>;
  nextPayId: number;
  rateLimitPerMinute: number;
  /** `getPayInTransactions` answered: pages of the whole account, and reads of one link by its pay_id. */
  reads: { pages: number; byPayId: Record<string, number> };
}

const SUCCESS_MESSAGES = [
  'Refund request has been sent successfully, You will get update within 5-10 days',
  'Refund request submitted successfully',
] as const;

/** SecPaid's server time, in its zone (its envelopes say CEST / CET). */
const timestamp = (d: Date) => formatBerlinTime(d.getTime());
const DAY_MS = 86_400_000;
const txId = (d: Date, n: number) =>
  `${d.toISOString().slice(0, 10).replace(/-/g, '')}-pi-${String(n).padStart(10, '0')}`;

const createPaymentBody = z
  .object({
    amountMinor: z.number().int().positive(),
    payId: z.number().int().positive().optional(),
    type: z.enum(['basic', 'invoice']).default('basic'),
    status: z.enum(['Used', 'Cancelled']).default('Used'),
    dispute: z.boolean().default(false),
    /** When the customer paid (a time-skipping test's clock), default now. */
    paidAt: z.iso.datetime().optional(),
  })
  .strict();
/** `at`: when the admin decided (a time-skipping test's clock), default now. */
const decisionBody = z.object({ reason: z.string().max(500).optional(), at: z.iso.datetime().optional() }).strict();
const settingsBody = z.object({ rateLimitPerMinute: z.number().int().positive() }).strict();

export function createSecpaidSandbox(ctx: SandboxContext, token = SECPAID_SANDBOX_TOKEN): SandboxProvider {
  const initial = (): State => ({
    links: {},
    refunds: {},
    nextPayId: instanceNumber(6) * 1000,
    rateLimitPerMinute: 60,
    reads: { pages: 0, byPayId: {} },
  });
  let state = initial();
  const requestLog = new Map<string, number[]>();
  const strict = ctx.strictDocs
    ? (() => {
        const r = ctx.random(NAME);
        return {
          errorHttpStatus: r.pick([200, 400] as const),
          successMessage: r.pick(SUCCESS_MESSAGES),
          linkNotFoundMessage: r.pick(['Invalid link ID', 'Link not found'] as const),
          nonPositiveAmountMessage: r.pick(['Invalid refund amount', 'Refund amount is required'] as const),
          serverTime: r.pick(['CEST', 'CET'] as const),
          transactionsMessage: r.text(),
        };
      })()
    : undefined;

  const envelope = (code: 0 | 1, msg: string, extra: Record<string, unknown> = {}) => ({
    ResponseCode: code,
    ResponseMsg: msg,
    Result: code === 1 ? 'True' : 'False',
    ServerTime: strict?.serverTime ?? 'CEST',
    ...extra,
  });
  /** A business error: HTTP 200 as the docs' examples show (strict: 200 or 400, per instance). */
  const error = (reply: FastifyReply, msg: string) => reply.code(strict?.errorHttpStatus ?? 200).send(envelope(0, msg));

  /** Auth and the per-token rate limit; answers the request itself when either refuses it. */
  const guard = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const given = req.headers.token;
    if (given === undefined || given === '') {
      void error(reply, 'Please enter token');
      return false;
    }
    if (given !== token) {
      void error(reply, 'Incorrect token or missing token');
      return false;
    }
    const now = Date.now();
    const recent = (requestLog.get(token) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= state.rateLimitPerMinute) {
      requestLog.set(token, recent);
      void reply.code(429).send(envelope(0, 'Too many requests'));
      return false;
    }
    recent.push(now);
    requestLog.set(token, recent);
    return true;
  };

  const field = (body: unknown, name: string): unknown =>
    body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;

  const register = (app: FastifyInstance): void => {
    app.post('/secpaid/api/v2/refundPayment', tag(NAME, 'refund'), async (req, reply) => {
      if (!guard(req, reply)) return reply;
      const payIdRaw = field(req.body, 'pay_id');
      const amountRaw = field(req.body, 'refund_amount');
      if (payIdRaw === undefined || payIdRaw === '') return error(reply, 'Please enter pay_id');
      if (amountRaw === undefined || amountRaw === '') return error(reply, 'Please enter refund_amount');
      const payId = Number(payIdRaw);
      const link = Number.isInteger(payId) ? state.links[payId] : undefined;
      if (!link) return error(reply, strict?.linkNotFoundMessage ?? 'Invalid link ID');
      if (link.status === 'Cancelled') return error(reply, 'Link is cancelled');
      if (link.type === 'invoice') return error(reply, 'Cannot refund invoice-type links');
      if (state.refunds[payId]) return error(reply, 'Refund already requested');
      if (link.dispute) return error(reply, 'Refund blocked by dispute');
      const amountMinor =
        typeof amountRaw === 'number' || typeof amountRaw === 'string'
          ? decimalToMinor(String(amountRaw), 2)
          : undefined;
      if (amountMinor !== undefined && amountMinor <= 0 && strict) return error(reply, strict.nonPositiveAmountMessage);
      if (amountMinor === undefined || amountMinor <= 0 || amountMinor > link.amountMinor) {
        return error(reply, 'Invalid refund amount');
      }
      const isFull = field(req.body, 'isFullRefund');
      state.refunds[payId] = {
        payId,
        amountMinor,
        isFullRefund: isFull === true || isFull === 'true',
        status: 'Pending',
        requestedAt: new Date().toISOString(),
        decidedAt: null,
        reason: null,
        transactionId: null,
      };
      return envelope(1, strict?.successMessage ?? SUCCESS_MESSAGES[0]);
    });

    app.post('/secpaid/api/v2/getPayInTransactions', tag(NAME, 'transactions', { read: true }), async (req, reply) => {
      if (!guard(req, reply)) return reply;
      const payIdRaw = field(req.body, 'pay_id');
      const payIdFilter = typeof payIdRaw === 'number' || typeof payIdRaw === 'string' ? String(payIdRaw) : undefined;
      if (payIdFilter === undefined) state.reads.pages += 1;
      else state.reads.byPayId[payIdFilter] = (state.reads.byPayId[payIdFilter] ?? 0) + 1;
      const page = Math.max(1, Number(field(req.body, 'page') ?? 1) || 1);
      const limit = Math.min(1000, Math.max(1, Number(field(req.body, 'limit') ?? 200) || 200));
      // `since`: the last N days; `date`: one day (YYYY-MM-DD), both in SecPaid's own clock.
      const since = Number(field(req.body, 'since'));
      const day = field(req.body, 'date');
      const sinceText =
        Number.isInteger(since) && since > 0 ? formatBerlinTime(Date.now() - since * DAY_MS) : undefined;
      const shown = (at: string): boolean =>
        (sinceText === undefined || at >= sinceText) && (typeof day !== 'string' || at.startsWith(`${day} `));
      const rows: Record<string, string>[] = [];
      for (const link of Object.values(state.links)) {
        if (payIdFilter !== undefined && payIdFilter !== String(link.payId)) continue;
        if (link.status !== 'Cancelled' && shown(link.paidAt))
          rows.push(row(link, link.amountMinor, 'Basic', link.transactionId, link.paidAt));
        const refund = state.refunds[link.payId];
        if (refund?.status === 'Approved' && refund.transactionId && refund.decidedAt && shown(refund.decidedAt)) {
          rows.push(row(link, -refund.amountMinor, 'Refund', refund.transactionId, refund.decidedAt));
        }
      }
      const data = rows.slice((page - 1) * limit, page * limit);
      return envelope(1, strict?.transactionsMessage ?? 'Transactions fetched successfully', {
        data,
        totalRecords: String(rows.length),
      });
    });

    // Control API: the SecPaid admin's side, and test fixtures.
    app.post('/_sandbox/secpaid/payments', async (req, reply) => {
      const parsed = createPaymentBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      const payId = parsed.data.payId ?? (state.nextPayId += 1);
      if (state.links[payId]) return reply.code(409).send({ error: 'conflict', message: 'payId exists' });
      const now = parsed.data.paidAt === undefined ? new Date() : new Date(parsed.data.paidAt);
      const link: Link = {
        payId,
        amountMinor: parsed.data.amountMinor,
        type: parsed.data.type,
        status: parsed.data.status,
        dispute: parsed.data.dispute,
        paidAt: timestamp(now),
        transactionId: txId(now, payId),
      };
      state.links[payId] = link;
      return reply.code(201).send({ ...link, amount: minorToDecimal(link.amountMinor, 2) });
    });

    app.get('/_sandbox/secpaid/refunds', async () => ({ refunds: Object.values(state.refunds) }));
    /** Reads of `getPayInTransactions` answered: pages of the account (no `pay_id`), and reads of each link. */
    app.get('/_sandbox/secpaid/reads', async () => state.reads);

    const decide = (decision: 'Approved' | 'Rejected') => async (req: FastifyRequest, reply: FastifyReply) => {
      const payId = Number((req.params as { payId: string }).payId);
      const parsed = decisionBody.safeParse(req.body ?? {});
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      const refund = state.refunds[payId];
      if (!refund)
        return reply.code(404).send({ error: 'not_found', message: `no refund request for pay_id ${payId}` });
      if (refund.status !== 'Pending') {
        return reply.code(409).send({ error: 'conflict', message: `refund already ${refund.status}` });
      }
      const now = parsed.data.at === undefined ? new Date() : new Date(parsed.data.at);
      refund.status = decision;
      refund.decidedAt = timestamp(now);
      refund.reason = parsed.data.reason ?? null;
      if (decision === 'Approved') {
        refund.transactionId = txId(now, payId + 500_000_000);
        ctx.ledger.record(
          {
            provider: NAME,
            paymentId: String(payId),
            providerRefundId: refund.transactionId,
            reference: null,
            amountMinor: refund.amountMinor,
            currency: 'EUR',
          },
          now
        );
      }
      return refund;
    };
    app.post('/_sandbox/secpaid/refunds/:payId/approve', decide('Approved'));
    app.post('/_sandbox/secpaid/refunds/:payId/reject', decide('Rejected'));

    app.put('/_sandbox/secpaid/settings', async (req, reply) => {
      const parsed = settingsBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      state.rateLimitPerMinute = parsed.data.rateLimitPerMinute;
      requestLog.clear();
      return { rateLimitPerMinute: state.rateLimitPerMinute };
    });
  };

  function row(link: Link, amountMinor: number, type: 'Basic' | 'Refund', transactionId: string, at: string) {
    const amount = minorToDecimal(amountMinor, 2);
    return {
      pay_id: String(link.payId),
      creator_id: 'sandbox-merchant',
      user_id: 'sandbox-user',
      transaction_id: transactionId,
      amount,
      net_amount: amount,
      service_fee: '0.00',
      service_fee_psp: '0.00',
      status: 'Success',
      recipient_note: '',
      payout_status: 'Pending',
      created_at: at,
      is_split_link: 'false',
      is_dispute: String(link.dispute),
      is_refund: String(type === 'Refund'),
      payment_method: 'card',
      transaction_type: type,
    };
  }

  return {
    name: NAME,
    register,
    badRequest: (reply, message) => reply.code(400).send(envelope(0, message)),
    errorAnswer: (status) => ({
      body: envelope(0, status === 404 ? (strict?.linkNotFoundMessage ?? 'Link not found') : `HTTP ${status}`),
    }),
    strictChoices: () => ({ ...strict }),
    reset: () => {
      state = initial();
      requestLog.clear();
    },
    snapshot: () => state,
    restore: (snapshot) => {
      state = snapshot as State;
    },
  };
}
