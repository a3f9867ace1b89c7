import { timingSafeEqual } from 'node:crypto';

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import { tag } from '../../../sandbox/provider';
import type { SandboxRandom } from '../../../sandbox/random';

import { REFUNDABLE_METHODS } from './store';
import type { OpenpaydStore, OpenpaydTransaction } from './store';

/**
 * OpenPayd PSP `/pw/v3` as its docs describe it: `apiKey` in the body, a full refund when amount
 * and currency are omitted, partial refunds declined unless enabled for the account, `32 Already
 * refunded`, non-refundable methods declined, and the answer "straight away". Where the docs give
 * a decline without a code, the sandbox uses the codes listed in {@link codes} (src/sandbox/README.md); in
 * strict-docs mode only 32 and 188 are the docs', every other code and its text is drawn at random
 * per instance ({@link openpaydCodes}).
 */
export const codes = {
  alreadyRefunded: { code: 32, message: 'Already refunded' },
  amountRequired: { code: 188, message: 'Amount is required' },
  partialNotAllowed: { code: 33, message: 'Partial refund is not enabled for this account' },
  methodNotRefundable: { code: 34, message: 'Payment method is not refundable' },
  invalidAmount: { code: 35, message: 'Invalid refund amount' },
  transactionNotFound: { code: 36, message: 'Transaction not found' },
  invalidApiKey: { code: 37, message: 'Invalid apiKey' },
  invalidParameter: { code: 38, message: 'Invalid parameter' },
  referenceNotFound: { code: 39, message: 'No transaction found for this referenceNo' },
} as const;

export interface Decline {
  readonly code: number;
  readonly message: string;
}
export type OpenpaydCodes = Record<keyof typeof codes, Decline>;

/** The codes the docs give: 32 and 188 (and 00 APPROVED, 283 Waiting). Strict mode draws no other code from these. */
const documented = new Set([0, 32, 188, 283]);

/**
 * The decline codes of one sandbox instance: the lenient table, or in strict mode the documented
 * two and, for every decline the docs describe without a code, a random code and a random text.
 */
export function openpaydCodes(random: SandboxRandom | undefined): OpenpaydCodes {
  if (!random) return codes;
  const taken = new Set(documented);
  const drawn = (): Decline => ({ code: random.intExcept(1, 999, taken), message: random.text() });
  return {
    alreadyRefunded: codes.alreadyRefunded,
    amountRequired: codes.amountRequired,
    partialNotAllowed: drawn(),
    methodNotRefundable: drawn(),
    invalidAmount: drawn(),
    transactionNotFound: drawn(),
    invalidApiKey: drawn(),
    invalidParameter: drawn(),
    referenceNotFound: drawn(),
  };
}

export interface OpenpaydRouteOptions {
  readonly codes: OpenpaydCodes;
  /**
   * Strict mode: the status read (itself only inferred from the same platform's docs) of a
   * referenceNo it never saw answers HTTP 404 with an empty body, or HTTP 200 with a decline; and
   * every refund answer with a referenceNo is remembered for it.
   */
  readonly strict?: { readonly unknownReference: 'http-404' | 'declined' } | undefined;
}

// Form fields arrive as strings, JSON fields as strings or numbers: both are accepted.
const field = (max: number) => z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(max));
const refundBody = z.object({
  apiKey: field(64),
  transactionId: field(32),
  referenceNo: field(32),
  amount: z
    .union([z.string().regex(/^\d+$/), z.number().int()])
    .transform(Number)
    .optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
});
const statusBody = z.object({ apiKey: field(64), referenceNo: field(32) });

function keyMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function registerOpenpaydRoutes(
  app: FastifyInstance,
  store: OpenpaydStore,
  options: OpenpaydRouteOptions
): void {
  const { codes, strict } = options;
  const declined = (decline: Decline, body: { transactionId?: unknown; referenceNo?: unknown }, extra = '') => ({
    code: decline.code,
    status: 'DECLINED',
    message: extra ? `${decline.message}: ${extra}` : decline.message,
    transactionId: typeof body.transactionId === 'string' ? body.transactionId : '',
    referenceNo: typeof body.referenceNo === 'string' ? body.referenceNo : '',
    date: Math.floor(Date.now() / 1000),
  });

  const refund = (raw: Record<string, unknown>) => {
    if (!keyMatches(store.apiKey, raw.apiKey)) return declined(codes.invalidApiKey, raw);
    const parsed = refundBody.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      if (issue?.path[0] === 'amount' && raw.amount === undefined) return declined(codes.amountRequired, raw);
      return declined(codes.invalidParameter, raw, String(issue?.path[0] ?? 'body'));
    }
    const body = parsed.data;
    if (body.currency !== undefined && body.amount === undefined) return declined(codes.amountRequired, body);
    if (body.amount !== undefined && body.currency === undefined)
      return declined(codes.invalidParameter, body, 'currency');

    const payment = store.payments.get(body.transactionId);
    if (!payment) return declined(codes.transactionNotFound, body);
    const refuse = (decline: Decline): OpenpaydTransaction =>
      store.remember({
        ...declined(decline, body),
        amount: String(body.amount ?? 0),
        currency: payment.currency,
      } as OpenpaydTransaction);

    if (!REFUNDABLE_METHODS.has(payment.method)) return refuse(codes.methodNotRefundable);
    const remaining = payment.amountMinor - payment.refundedMinor;
    if (remaining <= 0) return refuse(codes.alreadyRefunded);
    if (body.amount === undefined) return store.executeRefund(payment, remaining, body.referenceNo, new Date());
    if (!store.partialRefundsEnabled) return refuse(codes.partialNotAllowed);
    if (body.currency !== payment.currency || body.amount <= 0 || body.amount > remaining) {
      return refuse(codes.invalidAmount);
    }
    return store.executeRefund(payment, body.amount, body.referenceNo, new Date());
  };

  app.post('/openpayd/pw/v3/payment/refund', tag('openpayd', 'refund'), async (req) => {
    const answer = refund((req.body ?? {}) as Record<string, unknown>);
    // Strict: the status read answers, for a referenceNo it saw, what the refund answered last
    // (a refund with a wrong apiKey is not this merchant's).
    if (strict && answer.referenceNo !== '' && answer.code !== codes.invalidApiKey.code) {
      store.remember(answer as OpenpaydTransaction);
    }
    return answer;
  });

  app.post('/openpayd/pw/v3/payment/status', tag('openpayd', 'status', { read: true }), async (req, reply) => {
    const raw = (req.body ?? {}) as Record<string, unknown>;
    if (!keyMatches(store.apiKey, raw.apiKey)) return declined(codes.invalidApiKey, raw);
    const parsed = statusBody.safeParse(raw);
    if (!parsed.success)
      return declined(codes.invalidParameter, raw, String(parsed.error.issues[0]?.path[0] ?? 'body'));
    const known = store.byReference.get(parsed.data.referenceNo);
    if (known) return known;
    if (strict?.unknownReference === 'http-404') return reply.code(404).send();
    return declined(codes.referenceNotFound, parsed.data);
  });
}
