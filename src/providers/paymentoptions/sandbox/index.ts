import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { minorUnitDigits } from '../../../refunds/minor-units';
import { decimalToMinor, minorToDecimal, tag } from '../../../sandbox/provider';
import type { SandboxContext, SandboxProvider } from '../../../sandbox/provider';

/**
 * PaymentOptions (DASGATEWAY) server-to-server refund: `Authorization: Basic <base64(key)>` plus
 * `x-api-key`; 201 with the documented body (card details included, as the docs show) on success;
 * an acquirer `payment_details.response_code` otherwise: declines (HTTP 412), "try again" codes,
 * "Transaction result is unclear" codes (the refund may or may not have happened; the refund's own
 * id comes back so its status can be read), `578` pending; and the transaction status read.
 *
 * Strict-docs mode (what the docs leave open, drawn per instance): exactly one `Authorization`
 * spelling (`Basic <base64(key)>` or `Basic <key>`); a failure is `{success: false, status_code}`
 * with or without `payment_details.response_code`, at an HTTP status from the documented list that
 * fits it (a decline 400 or 412, an unknown transaction 400, 404 or 412, a "try again" code 500 or
 * 502); "unclear" (the docs' unclear codes, and 68) and pending (578) answers at HTTP 200 or 201.
 */

export const PAYMENTOPTIONS_SANDBOX_KEY = 'po_sandbox_key_0000';
export const PAYMENTOPTIONS_SANDBOX_MID = 'JP00000328';
const NAME = 'paymentoptions';

/** Response codes from the gateway's table that the sandbox can be told to answer. */
const responseTexts: Record<number, string> = {
  0: 'Approved',
  5: 'Do not honour',
  13: 'Invalid amount',
  25: 'Unable to locate record',
  51: 'Insufficient funds',
  79: 'Already reversed',
  96: 'System error',
  443: 'CAFIS error. Try again.',
  578: 'The transaction is pending',
  676: 'Global GEAR System Error. Transaction result is unclear.',
};

interface Payment {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  refunded: number;
  /** What the next refund of this payment answers: 0 success, or another response code. */
  readonly refundResponseCode: number;
  /** For an unclear answer: whether the refund really happened behind it. */
  readonly unclearCommits: boolean;
  /** How this merchant account counts `amount`: minor units, or a major-unit decimal ("50.00"). */
  readonly amountUnit?: 'minor' | 'major';
}

interface Refund {
  readonly id: string;
  readonly ref: number;
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  responseCode: number;
  readonly timestamp: string;
  readonly merchantTxnRef: string;
}

const digitsOf = (currency: string): number => minorUnitDigits(currency) ?? 2;

/** A refund's `amount` as the account counts it → minor units, or undefined when it is not one. */
function toMinor(sent: string, payment: Payment): number | undefined {
  if (payment.amountUnit === 'major') return decimalToMinor(sent, digitsOf(payment.currency));
  return /^\d+$/.test(sent) ? Number(sent) : undefined;
}

interface State {
  payments: Record<string, Payment>;
  refunds: Record<string, Refund>;
  ref: number;
}

const refundBody = z
  .object({
    transactionId: z.string().uuid(),
    // "Int/String", ≤ 10 characters: minor units, or a major-unit decimal on a major-unit account.
    amount: z
      .union([
        z.number().positive(),
        z
          .string()
          .regex(/^\d{1,10}(\.\d{1,3})?$/)
          .max(10),
      ])
      .transform(String),
    merchant_id: z.string().min(1).max(10),
    notes: z.string().max(128).optional(),
  })
  .strict();

const createPaymentBody = z
  .object({
    amountMinor: z.number().int().positive(),
    currency: z.string().length(3).default('JPY'),
    refundResponseCode: z.number().int().default(0),
    unclearCommits: z.boolean().default(true),
    amountUnit: z.enum(['minor', 'major']).default('minor'),
  })
  .strict();

const settleBody = z.object({ responseCode: z.number().int() }).strict();

/** The table's "Transaction result is unclear" codes, and 68 (time out): the refund may or may not have happened. */
const strictUnclear = new Set([676, 677, 679, 680, 682, 683, 694, 695, 696, 697, 698, 699, 700, 701, 702, 704, 68]);
/** The table's "try again" codes: nothing happened, a retry may work. */
const strictRetry = new Set([
  -1, 19, 28, 91, 96, 443, 444, 445, 446, 447, 448, 449, 450, 452, 453, 454, 455, 456, 457, 459, 460, 675, 678, 681,
  703, 705,
]);

interface StrictChoices {
  readonly auth: 'base64' | 'raw';
  /** Whether failure answers carry `payment_details.response_code`. */
  readonly failureResponseCode: boolean;
  readonly unclearHttpStatus: 200 | 201;
  readonly declineHttpStatus: 400 | 412;
  readonly notFoundHttpStatus: 400 | 404 | 412;
  readonly retryHttpStatus: 500 | 502;
  readonly statusNotFoundHttpStatus: 400 | 404;
}

export function createPaymentoptionsSandbox(ctx: SandboxContext, apiKey = PAYMENTOPTIONS_SANDBOX_KEY): SandboxProvider {
  const initial = (): State => ({ payments: {}, refunds: {}, ref: 74000 });
  let state = initial();
  const strict: StrictChoices | undefined = ctx.strictDocs
    ? (() => {
        const r = ctx.random(NAME);
        return {
          auth: r.pick(['base64', 'raw']),
          failureResponseCode: r.chance(0.5),
          unclearHttpStatus: r.pick([200, 201]),
          declineHttpStatus: r.pick([400, 412]),
          notFoundHttpStatus: r.pick([400, 404, 412]),
          retryHttpStatus: r.pick([500, 502]),
          statusNotFoundHttpStatus: r.pick([400, 404]),
        };
      })()
    : undefined;

  /** Strict mode's failure answer: the docs say only that `success` is false. */
  const strictFailure = (choices: StrictChoices, httpStatus: number, code?: number) => ({
    success: false,
    status_code: httpStatus,
    ...(choices.failureResponseCode && code !== undefined && { payment_details: { response_code: code } }),
  });

  const authorized = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const auth = req.headers.authorization ?? '';
    const basic = auth.startsWith('Basic ') ? auth.slice(6) : undefined;
    const encoded = basic !== undefined && Buffer.from(basic, 'base64').toString('utf8') === apiKey;
    const keyOk =
      basic !== undefined &&
      (strict === undefined ? basic === apiKey || encoded : strict.auth === 'raw' ? basic === apiKey : encoded);
    if (!keyOk || req.headers['x-api-key'] !== apiKey) {
      void reply
        .code(401)
        .send(strict ? strictFailure(strict, 401) : { success: false, status_code: 401, message: 'Unauthorized' });
      return false;
    }
    return true;
  };

  const body = (refund: Refund, statusCode: number, type: 'REFUND') => {
    const approved = refund.responseCode === 0;
    const full = {
      success: approved,
      status_code: statusCode,
      is_live: false,
      transaction_type: type,
      gateway_response: approved
        ? { version: '1', type: 'INFO', message: 'Amount successfully refunded.', code: 'INFO0002' }
        : {
            version: '1',
            type: 'ERROR',
            message: responseTexts[refund.responseCode] ?? 'Error',
            code: `ERR${refund.responseCode}`,
          },
      merchant_details: {
        legal_name: 'Sandbox Merchant',
        mid: PAYMENTOPTIONS_SANDBOX_MID,
        merchant_txn_ref: refund.merchantTxnRef,
      },
      payment_details: {
        amount:
          state.payments[refund.paymentId]?.amountUnit === 'major'
            ? minorToDecimal(refund.amount, digitsOf(refund.currency))
            : refund.amount,
        response_code: refund.responseCode,
        responseDescription: responseTexts[refund.responseCode] ?? 'Unknown',
        auth_code: approved ? '264302' : '',
        currency: refund.currency,
        payment_method: 'ECMC-SSL',
        scheme: 'MASTERCARD',
        card: { name: 'John Doe', number: '5200000000001005', exp_month: '12', exp_year: '24' },
        additional_data: { payment_data_source: { type: 'card' } },
      },
      transaction_details: {
        id: refund.id,
        ref: refund.ref,
        timestamp: refund.timestamp,
        merchant_txn_ref: refund.merchantTxnRef,
      },
    };
    if (!strict) return full;
    // Strict: no invented error `gateway_response` (the docs show INFO ones only), and the refund
    // answer has no `responseDescription` (the docs show it in the status read only).
    const { gateway_response: gateway, ...rest } = full;
    const { responseDescription: _, ...paymentDetails } = full.payment_details;
    return {
      ...rest,
      ...(approved && { gateway_response: gateway }),
      payment_details: paymentDetails,
    };
  };

  const register = (app: FastifyInstance): void => {
    app.post('/paymentoptions/api/v1/server-to-server-interface/refund', tag(NAME, 'refund'), async (req, reply) => {
      if (!authorized(req, reply)) return reply;
      const parsed = refundBody.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        if (strict) return reply.code(400).send(strictFailure(strict, 400));
        return reply.code(400).send({
          success: false,
          status_code: 400,
          message: `Bad Request: ${issue?.path.join('.') ?? 'body'} ${issue?.message ?? ''}`.trim(),
        });
      }
      const { transactionId, amount: sentAmount, merchant_id: mid, notes } = parsed.data;
      const payment = state.payments[transactionId];
      const amount = payment ? toMinor(sentAmount, payment) : undefined;
      const declineWith = (httpStatus: number, code: number) =>
        strict
          ? reply
              .code(code === 25 ? strict.notFoundHttpStatus : strict.declineHttpStatus)
              .send(strictFailure(strict, code === 25 ? strict.notFoundHttpStatus : strict.declineHttpStatus, code))
          : reply.code(httpStatus).send({
              success: false,
              status_code: httpStatus,
              message: responseTexts[code] ?? 'Error',
              payment_details: { response_code: code, responseDescription: responseTexts[code] ?? 'Error' },
            });
      if (!payment) return declineWith(404, 25);
      if (amount === undefined) return declineWith(412, 13);
      if (mid !== PAYMENTOPTIONS_SANDBOX_MID) return declineWith(412, 3);
      if (amount > payment.amount - payment.refunded) return declineWith(412, 13);

      state.ref += 1;
      const refund: Refund = {
        id: randomUUID(),
        ref: state.ref,
        paymentId: payment.id,
        amount,
        currency: payment.currency,
        responseCode: payment.refundResponseCode,
        timestamp: new Date().toISOString(),
        merchantTxnRef: notes ?? '',
      };
      state.refunds[refund.id] = refund;
      const code = payment.refundResponseCode;
      const unclear = strict ? strictUnclear.has(code) : code >= 676 && code <= 704;
      if (code === 0 || (unclear && payment.unclearCommits)) commit(payment, refund);
      if (unclear && !payment.unclearCommits) refund.responseCode = 6;
      if (code === 0) return reply.code(201).send(body(refund, 201, 'REFUND'));
      if (unclear || code === 578) {
        // The answer says "unclear"/"pending" whatever really happened; the status read tells.
        const httpStatus = strict?.unclearHttpStatus ?? 200;
        return reply.code(httpStatus).send(body({ ...refund, responseCode: code }, httpStatus, 'REFUND'));
      }
      delete state.refunds[refund.id];
      if (strict) {
        const httpStatus = strictRetry.has(code) ? strict.retryHttpStatus : strict.declineHttpStatus;
        return reply.code(httpStatus).send(strictFailure(strict, httpStatus, code));
      }
      return reply.code(412).send(body(refund, 412, 'REFUND'));
    });

    app.get(
      '/paymentoptions/api/v1/server-to-server-interface/transaction/status/:id',
      tag(NAME, 'status', { read: true }),
      async (req, reply) => {
        if (!authorized(req, reply)) return reply;
        const refund = state.refunds[(req.params as { id: string }).id];
        if (!refund && strict) {
          return reply
            .code(strict.statusNotFoundHttpStatus)
            .send(strictFailure(strict, strict.statusNotFoundHttpStatus, 25));
        }
        if (!refund) {
          return reply.code(404).send({
            success: false,
            status_code: 404,
            message: responseTexts[25],
            payment_details: { response_code: 25, responseDescription: responseTexts[25] },
          });
        }
        const answer = body(refund, 200, 'REFUND');
        return {
          ...answer,
          payment_details: {
            ...answer.payment_details,
            // The status read documents `responseDescription`.
            responseDescription: responseTexts[refund.responseCode] ?? 'Unknown',
            card: { ...answer.payment_details.card, number: '520000******1005' },
          },
        };
      }
    );

    app.post('/_sandbox/paymentoptions/payments', async (req, reply) => {
      const parsed = createPaymentBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      const payment: Payment = { id: randomUUID(), refunded: 0, amount: parsed.data.amountMinor, ...parsed.data };
      state.payments[payment.id] = payment;
      return reply.code(201).send({
        transactionId: payment.id,
        amountMinor: payment.amount,
        currency: payment.currency,
        merchantId: PAYMENTOPTIONS_SANDBOX_MID,
      });
    });

    // Settles a refund whose answer was pending (578): 0 commits it, any other code fails it.
    app.post('/_sandbox/paymentoptions/refunds/:id/settle', async (req, reply) => {
      const parsed = settleBody.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'invalid_body', issues: parsed.error.issues });
      const refund = state.refunds[(req.params as { id: string }).id];
      if (!refund || refund.responseCode !== 578) return reply.code(404).send({ error: 'not_found' });
      refund.responseCode = parsed.data.responseCode;
      const payment = state.payments[refund.paymentId];
      if (refund.responseCode === 0 && payment) commit(payment, refund);
      return { id: refund.id, responseCode: refund.responseCode };
    });
  };

  function commit(payment: Payment, refund: Refund): void {
    payment.refunded += refund.amount;
    refund.responseCode = 0;
    ctx.ledger.record({
      provider: NAME,
      paymentId: payment.id,
      providerRefundId: refund.id,
      reference: refund.merchantTxnRef || null,
      amountMinor: refund.amount,
      currency: payment.currency,
    });
  }

  return {
    name: NAME,
    register,
    badRequest: (reply, message) =>
      reply
        .code(400)
        .send(
          strict ? strictFailure(strict, 400) : { success: false, status_code: 400, message: `Bad Request: ${message}` }
        ),
    errorAnswer: (status) => ({
      body: strict
        ? strictFailure(strict, status, status === 404 ? 25 : undefined)
        : {
            success: false,
            status_code: status,
            message: status === 404 ? responseTexts[25] : 'Error',
            ...(status === 404 && { payment_details: { response_code: 25, responseDescription: responseTexts[25] } }),
          },
    }),
    strictChoices: () => ({ ...strict }),
    reset: () => {
      state = initial();
    },
    snapshot: () => state,
    restore: (snapshot) => {
      state = snapshot as State;
    },
  };
}
