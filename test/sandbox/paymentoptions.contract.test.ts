import { PAYMENTOPTIONS_SANDBOX_KEY, PAYMENTOPTIONS_SANDBOX_MID } from '../../src/providers/paymentoptions/sandbox';
import { startSandbox } from '../../harness/sandbox';
import type { RunningSandbox } from '../../harness/sandbox';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(() => sb.json('POST', '/_sandbox/reset'));

const auth = {
  authorization: `Basic ${Buffer.from(PAYMENTOPTIONS_SANDBOX_KEY).toString('base64')}`,
  'x-api-key': PAYMENTOPTIONS_SANDBOX_KEY,
};
const refund = (body: unknown, headers: Record<string, string> = auth) =>
  sb.json('POST', '/paymentoptions/api/v1/server-to-server-interface/refund', body, headers);
const status = (id: string) =>
  sb.json('GET', `/paymentoptions/api/v1/server-to-server-interface/transaction/status/${id}`, undefined, auth);

async function payment(fields: Record<string, unknown> = {}): Promise<string> {
  const res = await sb.json<{ transactionId: string }>('POST', '/_sandbox/paymentoptions/payments', {
    amountMinor: 1000,
    ...fields,
  });
  return res.body.transactionId;
}

describe('PaymentOptions sandbox: POST /api/v1/server-to-server-interface/refund', () => {
  it('answers the documented 201 body for the documented example', async () => {
    const transactionId = await payment();
    const res = await refund({
      transactionId,
      amount: 1000,
      merchant_id: PAYMENTOPTIONS_SANDBOX_MID,
      notes: 'Refund amout captured/purchased',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      success: true,
      status_code: 201,
      is_live: false,
      transaction_type: 'REFUND',
      gateway_response: { version: '1', type: 'INFO', message: 'Amount successfully refunded.', code: 'INFO0002' },
      merchant_details: { mid: PAYMENTOPTIONS_SANDBOX_MID },
      payment_details: { amount: 1000, response_code: 0, currency: 'JPY', card: { number: '5200000000001005' } },
      transaction_details: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        ref: expect.any(Number),
        timestamp: expect.any(String),
      },
    });
    expect(res.body.transaction_details).not.toEqual(expect.objectContaining({ id: transactionId }));
  });

  it('requires Basic auth and x-api-key', async () => {
    const res = await refund({}, { 'x-api-key': PAYMENTOPTIONS_SANDBOX_KEY });
    expect(res.status).toBe(401);
    expect((await refund({}, { authorization: auth.authorization })).status).toBe(401);
  });

  it('declines with the acquirer response code: over-refund 13, decline 5; unknown transaction 25', async () => {
    const over = await payment({ amountMinor: 100 });
    const overRes = await refund({ transactionId: over, amount: 101, merchant_id: PAYMENTOPTIONS_SANDBOX_MID });
    expect(overRes.status).toBe(412);
    expect(overRes.body).toMatchObject({ success: false, payment_details: { response_code: 13 } });
    const declined = await payment({ refundResponseCode: 5 });
    const res = await refund({ transactionId: declined, amount: 100, merchant_id: PAYMENTOPTIONS_SANDBOX_MID });
    expect(res.status).toBe(412);
    expect(res.body).toMatchObject({
      success: false,
      payment_details: { response_code: 5, responseDescription: 'Do not honour' },
    });
    const unknown = await refund({
      transactionId: '00000000-0000-4000-8000-000000000000',
      amount: 1,
      merchant_id: PAYMENTOPTIONS_SANDBOX_MID,
    });
    expect(unknown.status).toBe(404);
    expect(sb.sandbox.ledger.list({ provider: 'paymentoptions' })).toHaveLength(0);
  });

  it('answers "result is unclear" whether or not the refund happened; the status read of its id tells', async () => {
    for (const unclearCommits of [true, false]) {
      const transactionId = await payment({ refundResponseCode: 676, unclearCommits });
      const res = await refund({ transactionId, amount: 400, merchant_id: PAYMENTOPTIONS_SANDBOX_MID });
      expect(res.body).toMatchObject({ success: false, payment_details: { response_code: 676 } });
      const id = (res.body.transaction_details as { id: string }).id;
      const read = await status(id);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        transaction_type: 'REFUND',
        success: unclearCommits,
        payment_details: { response_code: unclearCommits ? 0 : 6, card: { number: '520000******1005' } },
      });
      expect(sb.sandbox.ledger.list({ provider: 'paymentoptions', paymentId: transactionId })).toHaveLength(
        unclearCommits ? 1 : 0
      );
    }
  });

  it('rejects a malformed body with 400 naming the field', async () => {
    const res = await refund({ transactionId: 'not-a-uuid', amount: 1, merchant_id: 'M' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      success: false,
      status_code: 400,
      message: expect.stringContaining('transactionId'),
    });
  });
});
