import { SANDPAY_SANDBOX_KEY } from '../../src/providers/sandpay/sandbox';
import { startSandbox } from '../../harness/sandbox';
import type { RunningSandbox } from '../../harness/sandbox';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.json('POST', '/_sandbox/reset'));

const auth = { authorization: `Bearer ${SANDPAY_SANDBOX_KEY}` };
const refund = (id: string, body: unknown = {}, headers: Record<string, string> = auth) =>
  sb.json('POST', `/sandpay/v1/payments/${id}/refund`, body, headers);

async function collection(amountMinor = 1000, refundOutcome?: string): Promise<string> {
  const res = await sb.json<{ transactionId: string }>('POST', '/_sandbox/sandpay/payments', {
    amountMinor,
    ...(refundOutcome && { refundOutcome }),
  });
  expect(res.status).toBe(201);
  return res.body.transactionId;
}

describe('SandPay sandbox: POST /v1/payments/{id}/refund', () => {
  it('refunds the documented example: amount 500 of a collection, snake_case answer', async () => {
    const id = await collection(500);
    const res = await refund(id, { amount: 500, reference: 'ref-1', description: 'order 1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    expect(res.body).toEqual({
      tx_id: expect.stringMatching(/^TX_RF[A-Z0-9]+$/),
      type: 'refund',
      status: 'SUCCESS',
      amount: 500,
      parent_tx_id: id,
      refunded_total: 500,
      refundable_remaining: 0,
      merchant_balance_after: 1_000_000 - 500,
      recipient_balance_after: expect.any(Number),
      idempotent: false,
    });
  });

  it('refunds the full remaining when amount is omitted', async () => {
    const id = await collection(1000);
    await refund(id, { amount: 300 });
    const res = await refund(id, {});
    expect(res.body).toMatchObject({ amount: 700, refunded_total: 1000, refundable_remaining: 0 });
  });

  it('replays a reference with idempotent: true, and says DUPLICATE_REFERENCE for other parameters', async () => {
    const id = await collection(1000);
    const first = await refund(id, { amount: 400, reference: 'wf-1-refund' });
    const replay = await refund(id, { amount: 400, reference: 'wf-1-refund' });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ tx_id: first.body.tx_id, status: 'SUCCESS', idempotent: true });
    const other = await refund(id, { amount: 300, reference: 'wf-1-refund' });
    expect(other.body).toMatchObject({ status: 'DUPLICATE_REFERENCE', idempotent: false });
    expect(sb.sandbox.ledger.list({ provider: 'sandpay' })).toHaveLength(1);
  });

  it('answers INSUFFICIENT_FUNDS when the merchant float is too low, and moves nothing', async () => {
    const id = await collection(5000);
    await sb.json('PUT', '/_sandbox/sandpay/float', { balanceMinor: 100 });
    const res = await refund(id, { amount: 5000, reference: 'low' });
    expect(res.body).toMatchObject({
      status: 'INSUFFICIENT_FUNDS',
      merchant_balance_after: 100,
      refundable_remaining: 5000,
    });
    expect(sb.sandbox.ledger.list({ provider: 'sandpay' })).toHaveLength(0);
  });

  it('answers PENDING, which the control API resolves later; GET shows it in camelCase', async () => {
    const id = await collection(800, 'PENDING');
    const res = await refund(id, { reference: 'pending-1' });
    expect(res.body).toMatchObject({ status: 'PENDING', amount: 800 });
    const txId = res.body.tx_id as string;
    const before = await sb.json('GET', `/sandpay/v1/payments/${txId}`, undefined, auth);
    expect(before.body).toMatchObject({ id: txId, type: 'refund', status: 'PENDING', parentTxId: id, amount: 800 });
    await sb.json('POST', `/_sandbox/sandpay/refunds/${txId}/resolve`, { status: 'SUCCESS' });
    const after = await sb.json('GET', `/sandpay/v1/payments/${txId}`, undefined, auth);
    expect(after.body).toMatchObject({ status: 'SUCCESS', completedAt: expect.any(String) });
    expect(sb.sandbox.ledger.list({ provider: 'sandpay', paymentId: id })).toHaveLength(1);
  });

  it.each(['PIN_INVALID', 'ACCOUNT_BLOCKED', 'TIMEOUT', 'SERVICE_UNAVAILABLE'])(
    'can settle a refund as %s',
    async (status) => {
      const id = await collection(100, status);
      expect((await refund(id)).body).toMatchObject({ status });
    }
  );

  it('answers 429 rate_limited with Retry-After past the per-minute limit (100 by default, lowered here)', async () => {
    await sb.json('PUT', '/_sandbox/sandpay/settings', { rateLimitPerMinute: 2 });
    await refund('TX_NONE1');
    await refund('TX_NONE2');
    const limited = await refund('TX_NONE3');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('answers errors as {error, message, detail}', async () => {
    expect((await refund('TX_1', {}, {})).body).toMatchObject({ error: 'unauthorized' });
    expect((await refund('TX_1', {}, { authorization: 'Bearer sp_sk_test_wrong' })).body).toMatchObject({
      error: 'invalid_api_key',
    });
    const badId = await refund('tx-lower');
    expect(badId.status).toBe(400);
    expect(badId.body).toMatchObject({ error: 'invalid_params', detail: { fieldErrors: { id: expect.any(Array) } } });
    const badBody = await refund('TX_ABC', { amount: 0, reference: '' });
    expect(badBody.status).toBe(400);
    expect(badBody.body).toMatchObject({
      error: 'invalid_body',
      detail: { fieldErrors: { amount: expect.any(Array), reference: expect.any(Array) } },
    });
    expect((await refund('TX_NOPE')).status).toBe(404);
    const malformed = await fetch(`${sb.url}/sandpay/v1/payments/TX_A/refund`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"amount": ',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: 'invalid_body' });
  });
});
