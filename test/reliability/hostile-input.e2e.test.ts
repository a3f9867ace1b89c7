import { randomUUID } from 'node:crypto';

import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';

import { buildApi } from '../../src/api/server';
import type { RefundsClient } from '../../src/client';
import { refundWorkflowId } from '../../src/contract';
import { parseRefundRequest } from '../../src/providers';
import type { refund } from '../../src/workflows';
import { InvalidRefundRequestError } from '../../src/refunds/request';
import { paymentAndRefund } from '../../harness/payments';
import type { ProviderName } from '../../harness/payments';
import { TEST_API_TOKEN, TEST_API_TOKENS, TEST_OPERATOR_TOKEN, TEST_WEBHOOK_SECRET } from '../support/secrets';
import { quietLogger, startTestStack, stateWhen, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * Malformed requests, field by field and provider by provider, get a 400 naming the field and
 * start nothing; calls without the token, with a wrong one, or replayed, change nothing.
 */
let stack: TestStack;
let api: FastifyInstance;
let refunds: RefundsClient;

beforeAll(async () => {
  // Production's waits: refunds here stay pending (awaiting approval, GetPaid's outcome) while the test acts.
  stack = await startTestStack({ timeScale: 1, env: { APPROVAL_THRESHOLDS: 'EUR:10000' } });
  refunds = stack.refunds;
  api = await buildApi({
    refunds,
    tokens: TEST_API_TOKENS,
    webhookSecrets: { getpaid: TEST_WEBHOOK_SECRET },
    logger: quietLogger(),
  });
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

type Body = Record<string, unknown>;

/** A valid request of each provider (ids in the provider's format; validation comes first). */
const valid: Record<ProviderName, () => Body> = {
  secpaid: () => ({
    provider: 'secpaid',
    refundId: uniqueRefundId('bad'),
    paymentId: '4242',
    amount: { amountMinor: 4999, currency: 'EUR' },
  }),
  sandpay: () => ({
    provider: 'sandpay',
    refundId: uniqueRefundId('bad'),
    paymentId: 'TX_ABC123',
    amount: { amountMinor: 500, currency: 'XOF' },
  }),
  paymentoptions: () => ({
    provider: 'paymentoptions',
    refundId: uniqueRefundId('bad'),
    paymentId: randomUUID(),
    amount: { amountMinor: 1000, currency: 'JPY' },
    merchantId: 'JP00000328',
  }),
  openpayd: () => ({
    provider: 'openpayd',
    refundId: uniqueRefundId('bad'),
    paymentId: '123-456',
    amount: { amountMinor: 1000, currency: 'EUR' },
    full: true,
  }),
  getpaid: () => ({
    provider: 'getpaid',
    refundId: uniqueRefundId('bad'),
    paymentId: `pay_${'a'.repeat(26)}`,
    amount: { amountMinor: 1000, currency: 'EUR' },
    routing: { merchants: [{ accountId: 'acc_1', amountMinor: 1000 }] },
  }),
};

type Mutation = [field: string, change: (body: Body) => void, what: string];

const set =
  (path: string, value: unknown) =>
  (body: Body): void => {
    const keys = path.split('.');
    let target = body;
    for (const key of keys.slice(0, -1)) target = target[key] as Body;
    const last = keys.at(-1) ?? '';
    if (value === undefined) delete target[last];
    else target[last] = value;
  };

/** What every provider's request refuses. */
const common: Mutation[] = [
  ['provider', set('provider', 'stripe'), 'unknown provider'],
  ['refundId', set('refundId', undefined), 'missing'],
  ['refundId', set('refundId', 42), 'a number'],
  ['refundId', set('refundId', ''), 'empty'],
  ['refundId', set('refundId', 'has space'), 'bad characters'],
  ['refundId', set('refundId', 'x'.repeat(65)), 'oversize'],
  ['paymentId', set('paymentId', undefined), 'missing'],
  ['paymentId', set('paymentId', 42), 'a number'],
  ['paymentId', set('paymentId', 'x'.repeat(101)), 'oversize'],
  // Strings Temporal cannot carry (a refund that could never start) or an operator could not address.
  ['paymentId', set('paymentId', '\ud800'), 'a lone surrogate'],
  ['paymentId', set('paymentId', 'TX_A\u0000B'), 'a NUL'],
  ['paymentId', set('paymentId', 'TX_AB\n'), 'a control character'],
  ['paymentId', set('paymentId', ' TX_AB'), 'surrounding space'],
  ['reason', set('reason', 'ok \udc00'), 'a lone surrogate'],
  ['reason', set('reason', 'a\u0007b'), 'a control character'],
  ['requestedBy', set('requestedBy', 'ops\u0000'), 'a NUL'],
  ['amount', set('amount', undefined), 'missing'],
  ['amount', set('amount', '10.00'), 'a string'],
  ['amount.amountMinor', set('amount.amountMinor', -100), 'negative'],
  ['amount.amountMinor', set('amount.amountMinor', 0), 'zero'],
  ['amount.amountMinor', set('amount.amountMinor', 49.995), 'too many decimals'],
  ['amount.amountMinor', set('amount.amountMinor', '4999'), 'a string'],
  ['amount.amountMinor', set('amount.amountMinor', 1e20), 'beyond a safe integer'],
  ['amount.currency', set('amount.currency', 'XYZ'), 'unknown currency'],
  ...['XXX', 'XTS', 'XAU', 'XAG', 'XDR', 'CLF'].map((code): Mutation => [
    'amount.currency',
    set('amount.currency', code),
    `${code}, a code for no money`,
  ]),
  ['amount.currency', set('amount.currency', 'eur'), 'lower case'],
  ['amount.currency', set('amount.currency', 978), 'a number'],
  ['amount.extra', set('amount.extra', 1), 'unknown key in amount'],
  ['full', set('full', 'yes'), 'not a boolean'],
  ['reason', set('reason', 'x'.repeat(201)), 'oversize'],
  ['requestedBy', set('requestedBy', ''), 'empty'],
  ['requestedBy', set('requestedBy', 'x'.repeat(101)), 'oversize'],
  ['callbackUrl', set('callbackUrl', 'ftp://example.com/hook'), 'not http'],
  ['callbackUrl', set('callbackUrl', 'not a url'), 'not a URL'],
  ['paymentAmount.amountMinor', set('paymentAmount', { amountMinor: -1, currency: 'EUR' }), 'negative'],
  ['surprise', set('surprise', true), 'unknown field'],
];

const byProvider: Record<ProviderName, Mutation[]> = {
  secpaid: [
    ['amount.currency', set('amount.currency', 'USD'), 'not EUR'],
    ['paymentId', set('paymentId', 'link-42'), 'not a pay_id'],
    ['paymentId', set('paymentId', '0123'), 'a leading zero (sent as invalid JSON)'],
    ['amount.amountMinor', set('paymentAmount', { amountMinor: 100, currency: 'EUR' }), 'above the payment'],
    ['paymentAmount.currency', set('paymentAmount', { amountMinor: 9999, currency: 'USD' }), 'other currency'],
  ],
  sandpay: [
    ['amount.currency', set('amount.currency', 'EUR'), 'not a SandPay currency'],
    ['paymentId', set('paymentId', 'tx_lower'), 'not a TX_ id'],
    ['description', set('description', 'x'.repeat(201)), 'oversize'],
    ['description', set('description', 'refund \ud83d'), 'a lone surrogate'],
  ],
  paymentoptions: [
    ['paymentId', set('paymentId', 'not-a-uuid'), 'not a UUID'],
    ['merchantId', set('merchantId', undefined), 'missing'],
    ['merchantId', set('merchantId', 'x'.repeat(11)), 'oversize'],
    ['merchantId', set('merchantId', 'JP\u00000328'), 'a NUL'],
  ],
  openpayd: [
    ['referenceNo', set('referenceNo', 'x'.repeat(33)), 'oversize'],
    ['referenceNo', set('referenceNo', 'bad ref!'), 'bad characters'],
    ['paymentId', set('paymentId', 'x'.repeat(33)), 'over Char 32'],
    ['paymentId', set('paymentId', '123/456'), 'a character outside its ids'],
  ],
  getpaid: [
    ['routing', set('routing.merchants', [{ accountId: 'acc_1', amountMinor: 900 }]), 'does not sum'],
    ['routing', set('routing', undefined), 'partial without routing'],
    ['routing', set('full', true), 'full with routing'],
    ['routing.merchants.0.accountId', set('routing.merchants', [{ accountId: 'x', amountMinor: 1000 }]), 'bad id'],
    ['routing.merchants.0.amountMinor', set('routing.merchants', [{ accountId: 'acc_1', amountMinor: -5 }]), 'neg'],
    ['description', set('description', 'x'.repeat(141)), 'oversize'],
    ['paymentId', set('paymentId', 'pay_SHORT'), 'not a pay_ id'],
  ],
};

const cases = (Object.keys(valid) as ProviderName[]).flatMap((provider) =>
  [...common, ...byProvider[provider]].map(([field, change, what]) => ({ provider, field, change, what }))
);

const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };

async function notStarted(refundId: unknown): Promise<boolean> {
  if (typeof refundId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(refundId)) return true;
  try {
    await stack.client.workflow.getHandle(`refund-${refundId}`).describe();
    return false;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return true;
    throw err;
  }
}

describe('malformed refund requests', () => {
  it(`answers each of ${cases.length} malformed requests with 400 naming the field, through the API and the client, and starts nothing`, async () => {
    const verdicts: {
      case: string;
      status: number;
      namesField: boolean;
      clientNamesField: boolean;
      started: boolean;
    }[] = [];
    for (const c of cases) {
      const body = valid[c.provider]();
      c.change(body);
      const res = await api.inject({ method: 'POST', url: '/v1/refunds', payload: body, headers: auth });
      const problem = res.json<{ errors?: { field: string; message: string }[] }>();
      const fields = (problem.errors ?? []).map((e) => `${e.field} ${e.message}`);
      const clientFields = await refunds.start(body as never).then(
        () => ['(started)'],
        (err: unknown) =>
          err instanceof InvalidRefundRequestError ? err.issues.map((i) => `${i.field} ${i.message}`) : []
      );
      const names = (list: string[]) =>
        list.some((f) => f.startsWith(`body.${c.field}`) || f.startsWith(c.field) || f.includes(`"${c.field}"`));
      verdicts.push({
        case: `${c.provider} ${c.field}: ${c.what}`,
        status: res.statusCode,
        namesField: names(fields),
        clientNamesField: names(clientFields),
        started: !(await notStarted(body.refundId)),
      });
    }
    const wrong = verdicts.filter((v) => v.status !== 400 || !v.namesField || !v.clientNamesField || v.started);
    expect(wrong).toEqual([]);
  }, 120_000);

  it('refuses bodies that are not JSON objects, or too large, before any parsing of fields', async () => {
    for (const payload of ['not json', '[]', 'null', JSON.stringify({ x: 'y'.repeat(300 * 1024) })]) {
      const res = await api.inject({
        method: 'POST',
        url: '/v1/refunds',
        payload,
        headers: { ...auth, 'content-type': 'application/json' },
      });
      expect({ payload: payload.slice(0, 20), status: res.statusCode >= 400 && res.statusCode < 500 }).toEqual({
        payload: payload.slice(0, 20),
        status: true,
      });
    }
  });
});

describe('forged, unauthenticated and replayed calls', () => {
  it('calls without the token, or with a wrong one, are refused on every route and change nothing', async () => {
    const request = await paymentAndRefund(stack.api, 'openpayd', 20_000, 'gate');
    await refunds.start(request);
    await stateWhen(refunds, request.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    const fresh = await paymentAndRefund(stack.api, 'openpayd', 500, 'forged');
    const id = request.refundId;
    const action = { reason: 'forged', by: 'mallory' };
    const routes: [string, string, unknown][] = [
      ['POST', '/v1/refunds', fresh],
      ['GET', `/v1/refunds/${id}`, undefined],
      ['GET', '/v1/refunds', undefined],
      ['POST', `/v1/refunds/${id}/approve`, action],
      ['POST', `/v1/refunds/${id}/cancel`, action],
      ['POST', `/v1/refunds/${id}/escalate`, action],
      ['POST', `/v1/refunds/${id}/resolve`, { ...action, outcome: 'SUCCEEDED' }],
    ];
    const badHeaders: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-0123456789' },
      { authorization: `Bearer ${TEST_API_TOKEN}x` },
      { authorization: `Bearer ${TEST_API_TOKEN.slice(0, -1)}` },
      { authorization: `Basic ${Buffer.from(`api:${TEST_API_TOKEN}`).toString('base64')}` },
      { authorization: TEST_API_TOKEN },
    ];
    for (const [method, url, payload] of routes) {
      for (const headers of badHeaders) {
        const res = await api.inject({
          method: method as 'GET' | 'POST',
          url,
          headers,
          ...(payload !== undefined && { payload: payload as object }),
        });
        expect({ method, url, headers, status: res.statusCode }).toEqual({ method, url, headers, status: 401 });
      }
    }
    const state = await refunds.get(id);
    expect(state.status).toBe('AWAITING_APPROVAL');
    expect(state.actions).toEqual([]);
    expect(state.needsAttention).toBe(false);
    expect(await notStarted(fresh.refundId)).toBe(true);
  });

  it('a replayed start or action does nothing twice', async () => {
    const request = await paymentAndRefund(stack.api, 'openpayd', 20_000, 'replay');
    const start = () => api.inject({ method: 'POST', url: '/v1/refunds', payload: request, headers: auth });
    expect((await start()).statusCode).toBe(201);
    await stateWhen(refunds, request.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    const approve = () =>
      api.inject({
        method: 'POST',
        url: `/v1/refunds/${request.refundId}/approve`,
        payload: { reason: 'checked', by: 'alice' },
        headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
      });
    const answers = await Promise.all([approve(), approve(), approve()]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409]);
    expect((await refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    expect((await start()).statusCode).toBe(200);
    expect((await approve()).statusCode).toBe(409);
    const state = await refunds.get(request.refundId);
    expect(state.actions.filter((a) => a.accepted)).toHaveLength(1);
    expect(stack.sandbox.ledger.list({ provider: 'openpayd', paymentId: request.paymentId })).toHaveLength(1);
  });

  it('a GetPaid webhook without the secret, with a wrong one, or replayed, moves nothing', async () => {
    const event = {
      id: 'evt_forged0001',
      type: 'refund_completed',
      data: { refund_id: 'rfd_0001', reference: 'rf-0000000000000000000000000000000' },
    };
    for (const url of [
      '/v1/webhooks/getpaid',
      '/v1/webhooks/getpaid?token=',
      `/v1/webhooks/getpaid?token=${TEST_WEBHOOK_SECRET}x`,
      `/v1/webhooks/getpaid?token=${TEST_API_TOKEN}`,
    ]) {
      expect((await api.inject({ method: 'POST', url, payload: event })).statusCode).toBe(401);
    }
    // The secret in a header or the bearer token instead: still refused (GetPaid puts it in the URL).
    const inHeader = await api.inject({
      method: 'POST',
      url: '/v1/webhooks/getpaid',
      payload: event,
      headers: { ...auth, 'x-webhook-token': TEST_WEBHOOK_SECRET },
    });
    expect(inHeader.statusCode).toBe(401);
  });
});

describe('a starter cannot shorten a refund', () => {
  it('a time scale in the workflow input is ignored: the approval deadline stays the worker’s 24 h', async () => {
    // Anyone with start rights on the namespace can pass any input. Before the time scale was the
    // worker's setting, a development or test worker honoured this one (24 h in 86 ms).
    const request = parseRefundRequest(await paymentAndRefund(stack.api, 'openpayd', 50_000, 'scale'));
    await stack.client.workflow.start<typeof refund>('refund', {
      workflowId: refundWorkflowId(request.refundId),
      taskQueue: stack.taskQueue,
      args: [request, { timeScale: 0.000001 }],
    });
    await stateWhen(refunds, request.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'awaiting approval');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await refunds.get(request.refundId)).toMatchObject({ status: 'AWAITING_APPROVAL', needsAttention: false });
    await refunds.cancel(request.refundId, { reason: 'test done', by: 'alice@ops' });
    expect((await refunds.waitForOutcome(request.refundId)).status).toBe('CANCELLED');
  });
});
