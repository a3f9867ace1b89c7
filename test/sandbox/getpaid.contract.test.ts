import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { GETPAID_SANDBOX_CLIENT } from '../../src/providers/getpaid/sandbox';
import { eventually } from '../support/stack';
import { startSandbox } from '../../harness/sandbox';
import type { RunningSandbox } from '../../harness/sandbox';

let sb: RunningSandbox;
let token: string;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
beforeEach(async () => {
  await sb.json('POST', '/_sandbox/reset');
  await sb.json('PUT', '/_sandbox/getpaid/settings', { webhookRetryDelaysMs: [50, 50, 50] });
  token = await accessToken();
});

async function accessToken(expectedTtl = 3600): Promise<string> {
  const res = await sb.json<{ access_token: string; token_type: string; expires_in: number }>(
    'POST',
    '/getpaid/oauth/token',
    {
      client_id: GETPAID_SANDBOX_CLIENT.clientId,
      client_secret: GETPAID_SANDBOX_CLIENT.clientSecret,
      audience: 'https://api.sandbox.getpaid.io',
      grant_type: 'client_credentials',
    }
  );
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: expectedTtl });
  return res.body.access_token;
}

const bearer = () => ({ authorization: `Bearer ${token}` });

/** The docs' example: 1.00 to the platform, 25.00 to the seller, 5.00 to the supplier. */
async function marketplacePayment(payoutStarted = true): Promise<string> {
  const res = await sb.json<{ id: string }>('POST', '/_sandbox/getpaid/payments', {
    payoutStarted,
    platformAmountMinor: 100,
    merchants: [
      { accountId: 'acc_4zjjxn0nm1tnweqbttedkvnsc8', amountMinor: 2500 },
      { accountId: 'acc_4djj3n0hm1tn2eqwetedkvnsc3', amountMinor: 500 },
    ],
  });
  return res.body.id;
}

describe('GetPaid sandbox', () => {
  it('issues a JWT for client credentials, refuses bad ones, and requires the token', async () => {
    expect(token.split('.')).toHaveLength(3);
    const bad = await sb.json('POST', '/getpaid/oauth/token', {
      client_id: 'x',
      client_secret: 'y',
      grant_type: 'client_credentials',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await sb.json('GET', '/getpaid/payments/pay_x')).status).toBe(401);
    expect((await sb.json('GET', '/getpaid/payments/pay_x', undefined, { authorization: 'Bearer a.b.c' })).status).toBe(
      401
    );
  });

  it('expires tokens after expires_in', async () => {
    await sb.json('PUT', '/_sandbox/getpaid/settings', { tokenTtlSeconds: 1 });
    const shortLived = await accessToken(1);
    const paymentId = await marketplacePayment();
    expect(
      (await sb.json('GET', `/getpaid/payments/${paymentId}`, undefined, { authorization: `Bearer ${shortLived}` }))
        .status
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    expect(
      (await sb.json('GET', `/getpaid/payments/${paymentId}`, undefined, { authorization: `Bearer ${shortLived}` }))
        .status
    ).toBe(401);
  });

  it('answers the documented partial refund with routing, and deducts refundable amounts as the docs show', async () => {
    const paymentId = await marketplacePayment();
    const res = await sb.json(
      'POST',
      '/getpaid/refunds',
      {
        payment_id: paymentId,
        description: 'Refund for ORD-123456',
        routing: {
          merchants: [
            { id: 'acc_4zjjxn0nm1tnweqbttedkvnsc8', amount: 1000 },
            { id: 'acc_4djj3n0hm1tn2eqwetedkvnsc3', amount: 500 },
          ],
        },
        reference: 'REFUND-123456',
      },
      bearer()
    );
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^rfd_[a-z0-9]{26}$/),
      status: 'initiated',
      _links: { self: { href: `${sb.url}/getpaid/refunds/${res.body.id as string}` } },
    });
    const payment = await sb.json('GET', `/getpaid/payments/${paymentId}`, undefined, bearer());
    expect(payment.body.routing).toEqual({
      platform: { amount: 100, refundable_amount: 100 },
      merchants: [
        { account_id: 'acc_4zjjxn0nm1tnweqbttedkvnsc8', amount: 2500, refundable_amount: 1500 },
        { account_id: 'acc_4djj3n0hm1tn2eqwetedkvnsc3', amount: 500, refundable_amount: 0 },
      ],
    });
    expect(payment.body.refunds).toEqual([
      { id: res.body.id, status: 'initiated', reference: 'REFUND-123456', amount_minor: 1500 },
    ]);
  });

  it('refuses over-routing, partial refunds before payout, and a missing description, as problem+json', async () => {
    const paymentId = await marketplacePayment();
    const over = await sb.json(
      'POST',
      '/getpaid/refunds',
      {
        payment_id: paymentId,
        description: 'x',
        routing: { merchants: [{ id: 'acc_4djj3n0hm1tn2eqwetedkvnsc3', amount: 501 }] },
      },
      bearer()
    );
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({
      status: 422,
      detail: 'The request was invalid',
      errors: { 'routing.merchants.0.amount': ['exceeds_refundable_amount'] },
    });
    const early = await marketplacePayment(false);
    const notYet = await sb.json(
      'POST',
      '/getpaid/refunds',
      { payment_id: early, description: 'x', routing: { platform: { amount: 50 } } },
      bearer()
    );
    expect(notYet.body).toMatchObject({ errors: { routing: ['payout_not_started'] } });
    const noDescription = await sb.json('POST', '/getpaid/refunds', { payment_id: paymentId }, bearer());
    expect(noDescription.body).toMatchObject({ errors: { description: ['field_required'] } });
    expect(
      (await sb.json('POST', '/getpaid/refunds', { payment_id: `pay_${'0'.repeat(26)}`, description: 'x' }, bearer()))
        .status
    ).toBe(404);
  });

  it('completes later and POSTs a webhook, retried until the receiver answers 2xx', async () => {
    const received: { status: number; body: Record<string, unknown> }[] = [];
    const receiver = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        const status = received.length === 0 ? 503 : 200; // the first delivery fails
        received.push({ status, body: JSON.parse(data) as Record<string, unknown> });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const paymentId = await marketplacePayment();
      const created = await sb.json<{ id: string }>(
        'POST',
        '/getpaid/refunds',
        { payment_id: paymentId, description: 'full', reference: 'R-1', urls: { webhook: hook } },
        bearer()
      );
      const refundId = created.body.id;
      expect((await sb.json('GET', `/getpaid/refunds/${refundId}`, undefined, bearer())).body).toMatchObject({
        status: 'initiated',
        amount_minor: 3100,
      });
      await sb.json('POST', `/_sandbox/getpaid/refunds/${refundId}/complete`, {});
      await eventually(async () => (received.length >= 2 ? true : undefined), 'two webhook deliveries');
      expect(received.map((r) => r.status)).toEqual([503, 200]);
      expect(received[1]?.body).toMatchObject({
        id: expect.stringMatching(/^evt_/),
        type: 'refund_completed',
        data: { refund_id: refundId, payment_id: paymentId, amount_minor: 3100, currency: 'EUR', reference: 'R-1' },
      });
      expect(received[0]?.body.id).toBe(received[1]?.body.id);
      expect((await sb.json('GET', `/getpaid/refunds/${refundId}`, undefined, bearer())).body).toMatchObject({
        status: 'completed',
      });
      expect(sb.sandbox.ledger.list({ provider: 'getpaid', paymentId })).toEqual([
        expect.objectContaining({ amountMinor: 3100 }),
      ]);
    } finally {
      receiver.close();
    }
  });

  it('restores refundable amounts when a refund fails, and records no money', async () => {
    const paymentId = await marketplacePayment();
    const created = await sb.json<{ id: string }>(
      'POST',
      '/getpaid/refunds',
      { payment_id: paymentId, description: 'full' },
      bearer()
    );
    const failed = await sb.json('POST', `/_sandbox/getpaid/refunds/${created.body.id}/fail`, {
      code: 'refund_period_expired',
    });
    expect(failed.body).toMatchObject({ status: 'failed', reason: { code: 'refund_period_expired' } });
    const payment = await sb.json<{ routing: { merchants: { refundable_amount: number }[] } }>(
      'GET',
      `/getpaid/payments/${paymentId}`,
      undefined,
      bearer()
    );
    expect(payment.body.routing.merchants.map((m) => m.refundable_amount)).toEqual([2500, 500]);
    expect(sb.sandbox.ledger.list({ provider: 'getpaid' })).toHaveLength(0);
  });
});
