import { SECPAID_SANDBOX_TOKEN } from '../../src/providers/secpaid/sandbox';
import { startSandbox } from '../../harness/sandbox';
import type { RunningSandbox } from '../../harness/sandbox';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.json('POST', '/_sandbox/reset'));

const auth = { token: SECPAID_SANDBOX_TOKEN };
const refund = (body: unknown, headers: Record<string, string> = auth) =>
  sb.json('POST', '/secpaid/api/v2/refundPayment', body, headers);

async function link(fields: Record<string, unknown> = {}): Promise<number> {
  const res = await sb.json<{ payId: number }>('POST', '/_sandbox/secpaid/payments', { amountMinor: 4999, ...fields });
  expect(res.status).toBe(201);
  return res.body.payId;
}

const error = (msg: string) => ({ ResponseCode: 0, ResponseMsg: msg, Result: 'False', ServerTime: 'CEST' });

describe('SecPaid sandbox: POST /api/v2/refundPayment', () => {
  it('answers the documented success for the documented full-refund example', async () => {
    const payId = await link({ payId: 12345 });
    const res = await refund({ pay_id: payId, refund_amount: 49.99, isFullRefund: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ResponseCode: 1,
      ResponseMsg: 'Refund request has been sent successfully, You will get update within 5-10 days',
      Result: 'True',
      ServerTime: 'CEST',
    });
  });

  it.each([
    ['no token', {}, undefined, 'Please enter token'],
    ['a wrong token', { token: 'nope' }, undefined, 'Incorrect token or missing token'],
  ])('refuses %s', async (_what, headers, _b, message) => {
    const res = await refund({ pay_id: 1, refund_amount: 1 }, headers);
    expect(res.body).toEqual(error(message));
  });

  it('answers each documented validation message', async () => {
    const paid = await link({ amountMinor: 2000 });
    const cancelled = await link({ status: 'Cancelled' });
    const disputed = await link({ dispute: true });
    const invoice = await link({ type: 'invoice' });
    expect((await refund({ refund_amount: 10 })).body).toEqual(error('Please enter pay_id'));
    expect((await refund({ pay_id: paid })).body).toEqual(error('Please enter refund_amount'));
    expect((await refund({ pay_id: 999999, refund_amount: 1 })).body).toEqual(error('Invalid link ID'));
    expect((await refund({ pay_id: cancelled, refund_amount: 1 })).body).toEqual(error('Link is cancelled'));
    expect((await refund({ pay_id: invoice, refund_amount: 1 })).body).toEqual(
      error('Cannot refund invoice-type links')
    );
    expect((await refund({ pay_id: disputed, refund_amount: 1 })).body).toEqual(error('Refund blocked by dispute'));
    expect((await refund({ pay_id: paid, refund_amount: 20.01 })).body).toEqual(error('Invalid refund amount'));
    expect((await refund({ pay_id: paid, refund_amount: 0 })).body).toEqual(error('Invalid refund amount'));
    expect((await refund({ pay_id: paid, refund_amount: 1.001 })).body).toEqual(error('Invalid refund amount'));
  });

  it('allows one refund request per link: the second is "Refund already requested"', async () => {
    const payId = await link();
    expect((await refund({ pay_id: payId, refund_amount: 20.0 })).body.ResponseCode).toBe(1);
    expect((await refund({ pay_id: payId, refund_amount: 20.0 })).body).toEqual(error('Refund already requested'));
  });

  it('accepts the form-encoded body the how-to shows', async () => {
    const payId = await link();
    const res = await sb.form('/secpaid/api/v2/refundPayment', { pay_id: String(payId), refund_amount: '20.00' }, auth);
    expect(res.body.ResponseCode).toBe(1);
  });

  it('answers HTTP 429 past the per-minute limit (60 by default, lowered here)', async () => {
    await sb.json('PUT', '/_sandbox/secpaid/settings', { rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i += 1) expect((await refund({ refund_amount: 1 })).status).toBe(200);
    const limited = await refund({ refund_amount: 1 });
    expect(limited.status).toBe(429);
  });
});

describe('SecPaid sandbox: review and POST /api/v2/getPayInTransactions', () => {
  const transactions = (payId: number) =>
    sb.json<{ data: Record<string, string>[]; ResponseCode: number; totalRecords: string }>(
      'POST',
      '/secpaid/api/v2/getPayInTransactions',
      { pay_id: payId },
      auth
    );

  it('shows an approved refund as a negative Refund entry, with every number as a string', async () => {
    const payId = await link({ amountMinor: 4999 });
    await refund({ pay_id: payId, refund_amount: 20.5 });
    expect((await transactions(payId)).body.data.map((r) => r.transaction_type)).toEqual(['Basic']);

    const approved = await sb.json('POST', `/_sandbox/secpaid/refunds/${payId}/approve`, {});
    expect(approved.status).toBe(200);
    const res = await transactions(payId);
    expect(res.body.ResponseCode).toBe(1);
    expect(res.body.totalRecords).toBe('2');
    const refundRow = res.body.data.find((r) => r.transaction_type === 'Refund');
    expect(refundRow).toMatchObject({ pay_id: String(payId), amount: '-20.50', is_refund: 'true', status: 'Success' });
    expect(refundRow?.transaction_id).toMatch(/^\d{8}-pi-\d{10}$/);
    expect(sb.sandbox.ledger.list({ provider: 'secpaid' })).toEqual([
      expect.objectContaining({ paymentId: String(payId), amountMinor: 2050, currency: 'EUR' }),
    ]);
  });

  it('never shows a rejected refund, and moves no money', async () => {
    const payId = await link();
    await refund({ pay_id: payId, refund_amount: 10 });
    await sb.json('POST', `/_sandbox/secpaid/refunds/${payId}/reject`, { reason: 'not eligible' });
    expect((await transactions(payId)).body.data.map((r) => r.transaction_type)).toEqual(['Basic']);
    expect(sb.sandbox.ledger.list({ provider: 'secpaid' })).toHaveLength(0);
    // still one request per link, even after a rejection
    expect((await refund({ pay_id: payId, refund_amount: 10 })).body).toEqual(error('Refund already requested'));
  });

  const page = (body: Record<string, unknown>) =>
    sb.json<{ data: Record<string, string>[]; ResponseCode: number; totalRecords: string }>(
      'POST',
      '/secpaid/api/v2/getPayInTransactions',
      body,
      auth
    );

  it("lists every link's rows, a page of `limit` at a time, with `totalRecords`", async () => {
    const payIds = [await link(), await link(), await link(), await link(), await link()];
    for (const payId of payIds.slice(0, 2)) {
      await refund({ pay_id: payId, refund_amount: 10 });
      await sb.json('POST', `/_sandbox/secpaid/refunds/${payId}/approve`, {});
    }
    const pages = [
      await page({ page: 1, limit: 3 }),
      await page({ page: 2, limit: 3 }),
      await page({ page: 3, limit: 3 }),
    ];
    expect(pages.map((p) => p.body.data.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.body.totalRecords)).toEqual(['7', '7', '7']);
    const seen = pages.flatMap((p) => p.body.data.map((r) => `${r.pay_id}:${r.transaction_type}`));
    expect(new Set(seen).size).toBe(7);
    expect(seen.filter((r) => r.endsWith(':Refund')).sort()).toEqual(
      payIds
        .slice(0, 2)
        .map((id) => `${id}:Refund`)
        .sort()
    );
    // `limit` is at most 1,000, as documented.
    expect((await page({ page: 1, limit: 5000 })).body.data).toHaveLength(7);
  });

  it('filters by `since` (the last N days) and `date` (one day) in its own clock', async () => {
    const payId = await link();
    const today = (await page({ pay_id: payId })).body.data[0]!.created_at!.slice(0, 10);
    expect((await page({ since: 1 })).body.data.map((r) => r.pay_id)).toEqual([String(payId)]);
    expect((await page({ date: today })).body.data).toHaveLength(1);
    expect((await page({ date: '2000-01-01' })).body.data).toEqual([]);
  });
});
