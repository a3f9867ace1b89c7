import { OPENPAYD_SANDBOX_KEY } from '../../src/providers/openpayd/sandbox';
import { startSandbox } from '../../harness/sandbox';
import type { RunningSandbox } from '../../harness/sandbox';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.json('POST', '/_sandbox/reset'));

const apiKey = OPENPAYD_SANDBOX_KEY;
const refund = (fields: Record<string, string>) => sb.form('/openpayd/pw/v3/payment/refund', { apiKey, ...fields });

async function payment(amountMinor = 1234, method = 'CREDITCARD'): Promise<string> {
  const res = await sb.json<{ transactionId: string }>('POST', '/_sandbox/openpayd/payments', {
    amountMinor,
    currency: 'EUR',
    method,
  });
  return res.body.transactionId;
}

describe('OpenPayd sandbox: POST /pw/v3/payment/refund', () => {
  it('answers the documented APPROVED example for a full refund (no amount, no currency)', async () => {
    const transactionId = await payment(1234);
    const res = await refund({ transactionId, referenceNo: '123456' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      code: '00',
      status: 'APPROVED',
      message: 'Approved',
      transactionId: expect.stringMatching(/^\d+-\d+-\d+$/),
      referenceNo: '123456',
      amount: '1234',
      currency: 'EUR',
      date: expect.any(Number),
    });
  });

  it('answers the documented DECLINED example (code 32, a number) for a second full refund', async () => {
    const transactionId = await payment(1234);
    await refund({ transactionId, referenceNo: 'first' });
    const res = await refund({ transactionId, referenceNo: 'second' });
    expect(res.body).toMatchObject({ code: 32, status: 'DECLINED', message: 'Already refunded' });
    expect(sb.sandbox.ledger.list({ provider: 'openpayd', paymentId: transactionId })).toHaveLength(1);
  });

  it('declines partial refunds unless the account allows them', async () => {
    const transactionId = await payment(2000);
    const declined = await refund({ transactionId, referenceNo: 'p1', amount: '500', currency: 'EUR' });
    expect(declined.body).toMatchObject({ status: 'DECLINED', code: 33 });
    await sb.json('PUT', '/_sandbox/openpayd/account', { partialRefunds: true });
    const approved = await refund({ transactionId, referenceNo: 'p2', amount: '500', currency: 'EUR' });
    expect(approved.body).toMatchObject({ status: 'APPROVED', amount: '500' });
    const tooMuch = await refund({ transactionId, referenceNo: 'p3', amount: '1501', currency: 'EUR' });
    expect(tooMuch.body).toMatchObject({ status: 'DECLINED', code: 35 });
  });

  it('declines non-refundable payment methods, and answers 188 for a currency without amount', async () => {
    const ideal = await payment(1000, 'IDEAL');
    expect((await refund({ transactionId: ideal, referenceNo: 'm1' })).body).toMatchObject({
      status: 'DECLINED',
      code: 34,
    });
    const card = await payment(1000);
    expect((await refund({ transactionId: card, referenceNo: 'm2', currency: 'EUR' })).body).toMatchObject({
      status: 'DECLINED',
      code: 188,
      message: 'Amount is required',
    });
  });

  it('refuses a wrong apiKey and answers a malformed body as a decline, never a crash', async () => {
    const res = await sb.form('/openpayd/pw/v3/payment/refund', {
      apiKey: 'wrong',
      transactionId: 'x',
      referenceNo: 'y',
    });
    expect(res.body).toMatchObject({ status: 'DECLINED', code: 37 });
    const malformed = await fetch(`${sb.url}/openpayd/pw/v3/payment/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"apiKey":',
    });
    expect(await malformed.json()).toMatchObject({ status: 'DECLINED', code: 38 });
  });

  it('reads a refund back by referenceNo, and says so when there is none', async () => {
    const transactionId = await payment(1000);
    await refund({ transactionId, referenceNo: 'read-me' });
    const found = await sb.form('/openpayd/pw/v3/payment/status', { apiKey, referenceNo: 'read-me' });
    expect(found.body).toMatchObject({ status: 'APPROVED', referenceNo: 'read-me', amount: '1000' });
    const missing = await sb.form('/openpayd/pw/v3/payment/status', { apiKey, referenceNo: 'never-sent' });
    expect(missing.body).toMatchObject({ status: 'DECLINED', code: 39 });
  });
});
