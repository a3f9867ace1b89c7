import type { FastifyInstance } from 'fastify';

import { Client, Connection } from '@temporalio/client';

import { buildApi } from '../src/api/server';
import { RefundsClient } from '../src/client';

import { pendingGetpaidRefund as pendingGetpaid } from '../harness/payments';
import { TEST_API_TOKEN, TEST_API_TOKENS, TEST_OPERATOR_TOKEN, TEST_WEBHOOK_SECRET } from './support/secrets';
import { eventually, quietLogger, startTestStack, stateWhen, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

const TOKEN = TEST_API_TOKEN;
const WEBHOOK_SECRET = TEST_WEBHOOK_SECRET;
let stack: TestStack;
let api: FastifyInstance;
// Production timings: a GetPaid refund only ends quickly when a webhook makes it read.
let refunds: RefundsClient;

beforeAll(async () => {
  // Production's waits: refunds here stay pending (awaiting approval, GetPaid's outcome) while the test acts.
  stack = await startTestStack({ timeScale: 1, env: { APPROVAL_THRESHOLDS: 'EUR:10000' } });
  refunds = stack.refunds;
  api = await buildApi({
    refunds,
    tokens: TEST_API_TOKENS,
    webhookSecrets: { getpaid: WEBHOOK_SECRET },
    logger: quietLogger(),
  });
  await stack.api.call('PUT', '/_sandbox/openpayd/account', { partialRefunds: true });
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const post = (url: string, payload: unknown, headers: Record<string, string> = auth) =>
  api.inject({ method: 'POST', url, payload: payload as object, headers });

async function openpaydBody(amountMinor: number) {
  return {
    provider: 'openpayd',
    refundId: uniqueRefundId('api'),
    paymentId: await stack.api.openpaydPayment(amountMinor),
    amount: { amountMinor, currency: 'EUR' },
    // Partial: a full refund (of whatever is left) waits for approval wherever EUR has a threshold.
    full: false,
  };
}

describe('HTTP API', () => {
  it('refuses /v1 calls without the bearer token, and serves /healthz and /openapi.json', async () => {
    expect((await api.inject({ method: 'GET', url: '/v1/refunds' })).statusCode).toBe(401);
    const wrong = await api.inject({ method: 'GET', url: '/v1/refunds', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await api.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const doc = (await api.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/refunds',
        '/v1/refunds/{refundId}',
        '/v1/refunds/{refundId}/approve',
        '/v1/webhooks/getpaid',
      ])
    );
  });

  it('answers a bad body with 400 problem+json naming each field, and starts nothing', async () => {
    const body = { ...(await openpaydBody(100)), amount: { amountMinor: -5, currency: 'eur' } };
    const res = await post('/v1/refunds', body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const fields = res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.amount.amountMinor', 'body.amount.currency']));
    await expect(stack.client.workflow.getHandle(`refund-${body.refundId}`).describe()).rejects.toThrow(/not found/i);
  });

  it("answers a path parameter longer than Fastify's default 100 characters with 400 naming it, not 414", async () => {
    const res = await api.inject({ method: 'GET', url: `/v1/refunds/${'a'.repeat(300)}`, headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('refundId');
  });

  it('starts a refund (201), replays the same request (200), refuses the same id with another body (409)', async () => {
    const body = await openpaydBody(500);
    const first = await post('/v1/refunds', body);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      refundId: body.refundId,
      workflowId: `refund-${body.refundId}`,
      created: true,
    });
    const again = await post('/v1/refunds', body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false });
    const other = await post('/v1/refunds', { ...body, amount: { amountMinor: 400, currency: 'EUR' }, full: false });
    expect(other.statusCode).toBe(409);
    await refunds.waitForOutcome(body.refundId);
    const read = await api.inject({ method: 'GET', url: `/v1/refunds/${body.refundId}`, headers: auth });
    expect(read.json()).toMatchObject({ refundId: body.refundId, status: 'SUCCEEDED' });
    expect((await api.inject({ method: 'GET', url: '/v1/refunds/no-such-refund', headers: auth })).statusCode).toBe(
      404
    );
    const listed = await eventually(async () => {
      const res = await api.inject({
        method: 'GET',
        url: `/v1/refunds?paymentId=${body.paymentId}&status=SUCCEEDED`,
        headers: auth,
      });
      const found = res.json<{ refunds: { refundId: string }[] }>().refunds;
      return found.length > 0 ? found : undefined;
    }, 'the refund in the list');
    expect(listed).toEqual([
      expect.objectContaining({ refundId: body.refundId, amountMinor: 500, currency: 'EUR', needsAttention: false }),
    ]);
  });

  it('with Prefer: wait answers the final state of a refund that ends within the wait', async () => {
    const body = await openpaydBody(300);
    const res = await post('/v1/refunds', body, { ...auth, prefer: 'wait=20' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['preference-applied']).toBe('wait=20');
    expect(res.json()).toMatchObject({
      created: true,
      status: 'SUCCEEDED',
      state: { refundId: body.refundId, status: 'SUCCEEDED', initiatedBy: 'test-all' },
    });
    // Still waiting for approval when the wait ends: the answer says where it is, without a state.
    const gated = await openpaydBody(20_000);
    const waiting = await post('/v1/refunds', gated, { ...auth, prefer: 'wait=1' });
    expect(waiting.json()).toEqual({
      refundId: gated.refundId,
      workflowId: `refund-${gated.refundId}`,
      created: true,
      status: 'RECEIVED',
    });
  });

  it('answers actions accepted (200) or refused (409) with the reason', async () => {
    const body = await openpaydBody(20_000); // above the €100 threshold: waits for approve
    await post('/v1/refunds', body);
    await stateWhen(refunds, body.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    const refused = await post(`/v1/refunds/${body.refundId}/resolve`, { reason: 'x', by: 'ops', outcome: 'FAILED' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ detail: expect.stringMatching(/approve or cancel it/) });
    const bad = await post(`/v1/refunds/${body.refundId}/approve`, { by: 'ops' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['body.reason']);
    // Four eyes: the token that started the refund cannot approve it; another operator can.
    const own = await post(`/v1/refunds/${body.refundId}/approve`, { reason: 'mine', by: 'ops' });
    expect(own.statusCode).toBe(409);
    expect(own.json()).toMatchObject({ detail: expect.stringMatching(/four eyes: test-all started this refund/) });
    const approved = await post(
      `/v1/refunds/${body.refundId}/approve`,
      { reason: 'ok', by: 'ops' },
      { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` }
    );
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ accepted: true, note: 'approved' });
    // The refused approve was turned away by the update's validator (the API logs it); the accepted one is recorded.
    const actions = (await refunds.get(body.refundId)).actions.filter((a) => a.signal === 'approve');
    expect(actions.map((a) => [a.actor, a.accepted])).toEqual([['test-ops', true]]);
    expect((await refunds.get(body.refundId)).initiatedBy).toBe('test-all');
    expect((await refunds.waitForOutcome(body.refundId)).status).toBe('SUCCEEDED');
    const cancelLate = await post(`/v1/refunds/${body.refundId}/cancel`, { reason: 'too late', by: 'ops' });
    expect(cancelLate.statusCode).toBe(409);
  });

  it('answers 503 (so callers and GetPaid retry) while Temporal cannot be reached', async () => {
    const down = await buildApi({
      // No retry interceptor: the SDK would otherwise retry UNAVAILABLE for ~20 s before giving up.
      refunds: new RefundsClient(
        new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500, interceptors: [] }) })
      ),
      tokens: TEST_API_TOKENS,
      webhookSecrets: { getpaid: WEBHOOK_SECRET },
    });
    try {
      const start = await down.inject({
        method: 'POST',
        url: '/v1/refunds',
        payload: await openpaydBody(100),
        headers: auth,
      });
      expect(start.statusCode).toBe(503);
      expect(start.headers['content-type']).toMatch(/application\/problem\+json/);
      const hook = await down.inject({
        method: 'POST',
        url: `/v1/webhooks/getpaid?token=${WEBHOOK_SECRET}`,
        payload: {
          id: 'evt_down',
          type: 'refund_completed',
          data: { refund_id: 'rfd_x', reference: 'refund-abc-refund-1' },
        },
      });
      expect(hook.statusCode).toBe(503);
    } finally {
      await down.close();
    }
  });

  describe('GetPaid webhook receiver', () => {
    const pendingGetpaidRefund = () => pendingGetpaid(stack.api, refunds, 'acc_api', 'hook');
    const event = (id: string, rfd: string, reference: string, type = 'refund_completed') => ({
      id,
      type,
      occurred_at: new Date().toISOString(),
      data: { refund_id: rfd, payment_id: 'pay_x', amount_minor: 700, currency: 'EUR', reference },
    });
    const hook = (payload: unknown, token = WEBHOOK_SECRET) => post(`/v1/webhooks/getpaid?token=${token}`, payload, {});

    it('refuses a call without the secret, and a forged event cannot move the refund', async () => {
      const { refundId, rfd, reference } = await pendingGetpaidRefund();
      expect((await hook(event('evt_forged1', rfd, reference), 'wrong-secret-0123456789abcdefgh')).statusCode).toBe(
        401
      );
      const forged = await hook(event('evt_forged2', rfd, reference));
      expect(forged.statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      expect((await refunds.get(refundId)).status).toBe('PENDING_PROVIDER');
    });

    it('delivers a real event: the refund reads GetPaid at once and ends; duplicates and strangers change nothing', async () => {
      const { refundId, rfd, reference } = await pendingGetpaidRefund();
      await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/complete`, {});
      const delivered = await hook(event('evt_real1', rfd, reference));
      expect(delivered.json()).toMatchObject({ delivered: true });
      expect((await refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');
      expect((await hook(event('evt_real1', rfd, reference))).json()).toMatchObject({ note: 'duplicate' });
      expect((await hook(event('evt_other', 'rfd_x', 'ORDER-42'))).json()).toMatchObject({ delivered: false });
      // After the receiver's per-refund window (2 s), a late event is delivered at once, and found ended.
      await new Promise((r) => setTimeout(r, 2_100));
      expect((await hook(event('evt_late', rfd, reference))).json()).toMatchObject({
        delivered: false,
        note: 'refund ended or unknown',
      });
      expect((await hook({ id: 'not-an-event' })).statusCode).toBe(400);
    });
  });
});
