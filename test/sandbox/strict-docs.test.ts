import { OPENPAYD_SANDBOX_KEY } from '../../src/providers/openpayd/sandbox';
import { GETPAID_SANDBOX_CLIENT } from '../../src/providers/getpaid/sandbox';
import type { GetpaidSandbox } from '../../src/providers/getpaid/sandbox';
import { PAYMENTOPTIONS_SANDBOX_KEY, PAYMENTOPTIONS_SANDBOX_MID } from '../../src/providers/paymentoptions/sandbox';
import { SANDPAY_SANDBOX_KEY } from '../../src/providers/sandpay/sandbox';
import { SECPAID_SANDBOX_TOKEN } from '../../src/providers/secpaid/sandbox';
import { buildSandbox } from '../../src/sandbox/server';
import { startSandbox } from '../../harness/sandbox';
import type { RunningSandbox } from '../../harness/sandbox';

import { choicesFor, strictSandbox } from './strict-seeds';
import type { Choices } from './strict-seeds';

/**
 * Strict-docs mode (src/sandbox/STRICT_DOCS.md): whatever the providers' docs do not state is off
 * or drawn at random within what they allow, from a seed. For every choice, two seeds give the two
 * documented alternatives, and each instance behaves as it drew.
 */

const opened: RunningSandbox[] = [];
afterAll(async () => {
  await Promise.all(opened.map((sb) => sb.close()));
});
async function strict(wanted?: (c: Choices) => boolean): Promise<{ sb: RunningSandbox; choices: Choices }> {
  const started = await strictSandbox(wanted);
  opened.push(started.sb);
  return started;
}
const choice = <T>(c: Choices, provider: string, name: string): T => c[provider]?.[name] as T;

describe('strict-docs mode: switching it on', () => {
  const env = { strict: process.env.SANDBOX_STRICT_DOCS, seed: process.env.SANDBOX_SEED };
  afterEach(() => {
    for (const [name, value] of [
      ['SANDBOX_STRICT_DOCS', env.strict],
      ['SANDBOX_SEED', env.seed],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is off by default, and says so in /_sandbox/meta and /_sandbox/stats', async () => {
    delete process.env.SANDBOX_STRICT_DOCS;
    const sb = await startSandbox();
    try {
      const meta = await sb.json('GET', '/_sandbox/meta');
      expect(meta.body).toEqual({ strictDocs: false, seed: expect.any(Number) });
      expect((await sb.json('GET', '/_sandbox/stats')).body).toMatchObject({ strictDocs: false });
    } finally {
      await sb.close();
    }
  });

  it('is on with SANDBOX_STRICT_DOCS=1, seeded by SANDBOX_SEED; the option wins over the environment', async () => {
    process.env.SANDBOX_STRICT_DOCS = '1';
    process.env.SANDBOX_SEED = '42';
    const sb = await startSandbox();
    try {
      const meta = await sb.json<{ strictDocs: boolean; seed: number; choices: Choices }>('GET', '/_sandbox/meta');
      expect(meta.body).toMatchObject({ strictDocs: true, seed: 42 });
      expect(meta.body.choices).toEqual(await choicesFor(42));
      expect((await sb.json('GET', '/_sandbox/stats')).body).toMatchObject({ strictDocs: true });
    } finally {
      await sb.close();
    }
    const lenient = await buildSandbox({ strictDocs: false });
    expect(lenient.strictDocs).toBe(false);
    await lenient.app.close();
    process.env.SANDBOX_SEED = 'x';
    await expect(buildSandbox()).rejects.toThrow(/SANDBOX_SEED/);
  });

  it('repeats its choices for a seed, and draws other ones for other seeds', async () => {
    expect(await choicesFor(7)).toEqual(await choicesFor(7));
    const all = await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => choicesFor(seed)));
    expect(new Set(all.map((c) => JSON.stringify(c))).size).toBeGreaterThan(1);
  });
});

describe('strict-docs mode: GetPaid (legacy API)', () => {
  async function setUp(sb: RunningSandbox) {
    await sb.json('PUT', '/_sandbox/getpaid/settings', { webhookRetryDelaysMs: [] });
    const token = await sb.json<{ access_token: string }>('POST', '/getpaid/oauth/token', {
      client_id: GETPAID_SANDBOX_CLIENT.clientId,
      client_secret: GETPAID_SANDBOX_CLIENT.clientSecret,
      grant_type: 'client_credentials',
    });
    const auth = { authorization: `Bearer ${token.body.access_token}` };
    const payment = await sb.json<{ id: string }>('POST', '/_sandbox/getpaid/payments', {
      platformAmountMinor: 100,
      merchants: [{ accountId: 'acc_4zjjxn0nm1tnweqbttedkvnsc8', amountMinor: 2500 }],
    });
    const refund = async () => {
      const res = await sb.json<{ id: string }>(
        'POST',
        '/getpaid/refunds',
        {
          payment_id: payment.body.id,
          description: 'Refund for ORD-1',
          routing: { merchants: [{ id: 'acc_4zjjxn0nm1tnweqbttedkvnsc8', amount: 100 }] },
          urls: { webhook: 'http://127.0.0.1:9/getpaid' },
        },
        auth
      );
      expect(res.status).toBe(201);
      return res.body.id;
    };
    return { auth, paymentId: payment.body.id, refund };
  }

  it('GET /payments/{id} is the id and routing with refundable amounts, no refunds[]', async () => {
    const { sb } = await strict();
    const { auth, paymentId, refund } = await setUp(sb);
    await refund();
    const read = await sb.json('GET', `/getpaid/payments/${paymentId}`, undefined, auth);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      id: paymentId,
      routing: {
        platform: { amount: 100, refundable_amount: 100 },
        merchants: [{ account_id: 'acc_4zjjxn0nm1tnweqbttedkvnsc8', amount: 2500, refundable_amount: 2400 }],
      },
    });
  });

  it('GET /refunds/{id} is {id, status, _links} only; a refund that did not go through is declined or failed', async () => {
    const { sb } = await strict();
    const { auth, refund } = await setUp(sb);
    const id = await refund();
    const initiated = await sb.json('GET', `/getpaid/refunds/${id}`, undefined, auth);
    expect(initiated.body).toEqual({
      id,
      status: 'initiated',
      _links: { self: { href: `${sb.url}/getpaid/refunds/${id}` } },
    });
    await sb.json('POST', `/_sandbox/getpaid/refunds/${id}/complete`);
    expect((await sb.json('GET', `/getpaid/refunds/${id}`, undefined, auth)).body).toEqual({
      ...initiated.body,
      status: 'completed',
    });
    const ended = new Set<unknown>();
    for (let i = 0; i < 12; i += 1) {
      const failing = await refund();
      await sb.json('POST', `/_sandbox/getpaid/refunds/${failing}/fail`, {});
      const read = await sb.json('GET', `/getpaid/refunds/${failing}`, undefined, auth);
      expect(Object.keys(read.body).sort()).toEqual(['_links', 'id', 'status']);
      ended.add(read.body.status);
    }
    expect(ended).toEqual(new Set(['declined', 'failed']));
  });

  it.each([true, false])(
    'sends the documented webhooks; refund_completed only where the seed drew it (%s)',
    async (completionWebhooks) => {
      const { sb } = await strict((c) => choice(c, 'getpaid', 'completionWebhooks') === completionWebhooks);
      const { refund } = await setUp(sb);
      const id = await refund();
      await sb.json('POST', `/_sandbox/getpaid/refunds/${id}/complete`);
      const types = (sb.sandbox.provider('getpaid') as GetpaidSandbox).deliveries
        .filter((d) => d.refundId === id)
        .map((d) => d.type);
      expect(types).toEqual([
        'refund_initiated',
        'refund_started',
        ...(completionWebhooks ? ['refund_completed'] : []),
      ]);
    }
  );
});

describe('strict-docs mode: OpenPayd', () => {
  const apiKey = OPENPAYD_SANDBOX_KEY;
  const documented = [0, 32, 188, 283];
  const setUp = async (sb: RunningSandbox) => {
    const payment = async (method = 'CREDITCARD', amountMinor = 1000) =>
      (
        await sb.json<{ transactionId: string }>('POST', '/_sandbox/openpayd/payments', {
          amountMinor,
          currency: 'EUR',
          method,
        })
      ).body.transactionId;
    const refund = (fields: Record<string, string>) => sb.form('/openpayd/pw/v3/payment/refund', { apiKey, ...fields });
    const status = (referenceNo: string) => sb.form('/openpayd/pw/v3/payment/status', { apiKey, referenceNo });
    return { payment, refund, status };
  };

  it('keeps the documented codes 32 and 188; every other decline has a random code and text', async () => {
    const { sb, choices } = await strict();
    const codes = choice<Record<string, { code: number; message: string }>>(choices, 'openpayd', 'codes');
    const { payment, refund } = await setUp(sb);
    const card = await payment();
    expect((await refund({ transactionId: card, referenceNo: 'r1', currency: 'EUR' })).body).toMatchObject({
      code: 188,
      status: 'DECLINED',
      message: 'Amount is required',
    });
    expect((await refund({ transactionId: card, referenceNo: 'r2', amount: '100', currency: 'EUR' })).body).toEqual(
      expect.objectContaining({ status: 'DECLINED', code: codes.partialNotAllowed?.code })
    );
    await sb.json('PUT', '/_sandbox/openpayd/account', { partialRefunds: true });
    expect(
      (await refund({ transactionId: card, referenceNo: 'r3', amount: '5000', currency: 'EUR' })).body
    ).toMatchObject({ status: 'DECLINED', code: codes.invalidAmount?.code, message: codes.invalidAmount?.message });
    expect((await refund({ transactionId: card, referenceNo: 'r4' })).body).toMatchObject({ status: 'APPROVED' });
    expect((await refund({ transactionId: card, referenceNo: 'r5' })).body).toMatchObject({
      code: 32,
      status: 'DECLINED',
      message: 'Already refunded',
    });
    expect((await refund({ transactionId: await payment('IDEAL'), referenceNo: 'r6' })).body).toMatchObject({
      status: 'DECLINED',
      code: codes.methodNotRefundable?.code,
    });
    expect((await refund({ transactionId: 'no-such-1', referenceNo: 'r7' })).body).toMatchObject({
      status: 'DECLINED',
      code: codes.transactionNotFound?.code,
    });

    const drawn = Object.entries(codes).filter(([name]) => !['alreadyRefunded', 'amountRequired'].includes(name));
    expect(drawn).toHaveLength(7);
    for (const [, { code, message }] of drawn) {
      expect(documented).not.toContain(code);
      expect(message).not.toMatch(/refund|found|amount|key|parameter/i);
    }
    expect(new Set(drawn.map(([, d]) => d.code)).size).toBe(drawn.length);
    const other = choice<typeof codes>(await choicesFor(1_000), 'openpayd', 'codes');
    expect(other).not.toEqual(codes);
  });

  it('the status read of a referenceNo it saw answers what the refund answered', async () => {
    const { sb } = await strict();
    const { payment, refund, status } = await setUp(sb);
    const card = await payment();
    const approved = await refund({ transactionId: card, referenceNo: 'seen-1' });
    expect((await status('seen-1')).body).toEqual(approved.body);
    const notFound = await refund({ transactionId: 'no-such-2', referenceNo: 'seen-2' });
    expect((await status('seen-2')).body).toEqual(notFound.body);
  });

  it('the status read of a referenceNo it never saw: HTTP 404 with an empty body (one seed)', async () => {
    const { sb } = await strict((c) => choice(c, 'openpayd', 'unknownReference') === 'http-404');
    const res = await fetch(`${sb.url}/openpayd/pw/v3/payment/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ apiKey, referenceNo: 'never-sent' }).toString(),
    });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });

  it('the status read of a referenceNo it never saw: HTTP 200 and a decline with a random code (other seed)', async () => {
    const { sb, choices } = await strict((c) => choice(c, 'openpayd', 'unknownReference') === 'declined');
    const { status } = await setUp(sb);
    const res = await status('never-sent');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'DECLINED', code: expect.any(Number), message: expect.any(String) });
    expect(documented).not.toContain(res.body.code);
    expect(res.body.code).toBe(
      choice<Record<string, { code: number }>>(choices, 'openpayd', 'codes').referenceNotFound?.code
    );
  });
});

describe('strict-docs mode: PaymentOptions', () => {
  const key = PAYMENTOPTIONS_SANDBOX_KEY;
  const spellings = {
    base64: `Basic ${Buffer.from(key).toString('base64')}`,
    raw: `Basic ${key}`,
  } as const;
  const setUp = (sb: RunningSandbox, choices: Choices) => {
    const auth = {
      authorization: spellings[choice<'base64' | 'raw'>(choices, 'paymentoptions', 'auth')],
      'x-api-key': key,
    };
    const refund = (body: unknown, headers: Record<string, string> = auth) =>
      sb.json('POST', '/paymentoptions/api/v1/server-to-server-interface/refund', body, headers);
    const payment = async (fields: Record<string, unknown> = {}) =>
      (
        await sb.json<{ transactionId: string }>('POST', '/_sandbox/paymentoptions/payments', {
          amountMinor: 1000,
          ...fields,
        })
      ).body.transactionId;
    const status = (id: string) =>
      sb.json('GET', `/paymentoptions/api/v1/server-to-server-interface/transaction/status/${id}`, undefined, auth);
    return { auth, refund, payment, status };
  };

  it.each(['base64', 'raw'] as const)('accepts exactly one Authorization spelling: %s for its seed', async (auth) => {
    const { sb, choices } = await strict((c) => choice(c, 'paymentoptions', 'auth') === auth);
    const { refund, payment } = setUp(sb, choices);
    const body = { transactionId: await payment(), amount: 100, merchant_id: PAYMENTOPTIONS_SANDBOX_MID };
    const other = auth === 'base64' ? spellings.raw : spellings.base64;
    const refused = await refund(body, { authorization: other, 'x-api-key': key });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ success: false, status_code: 401 });
    expect((await refund(body, { authorization: spellings[auth] })).status).toBe(401); // x-api-key still required
    expect((await refund(body)).status).toBe(201);
  });

  it.each([true, false])(
    'a failure is success:false with payment_details.response_code or without (%s), at a documented status',
    async (withCode) => {
      const { sb, choices } = await strict((c) => choice(c, 'paymentoptions', 'failureResponseCode') === withCode);
      const { refund, payment } = setUp(sb, choices);
      const decline = choice<number>(choices, 'paymentoptions', 'declineHttpStatus');
      const over = await refund({
        transactionId: await payment(),
        amount: 5000,
        merchant_id: PAYMENTOPTIONS_SANDBOX_MID,
      });
      expect([400, 412]).toContain(over.status);
      expect(over.status).toBe(decline);
      expect(over.body).toEqual({
        success: false,
        status_code: decline,
        ...(withCode && { payment_details: { response_code: 13 } }),
      });
      const refused = await refund({
        transactionId: await payment({ refundResponseCode: 5 }),
        amount: 100,
        merchant_id: PAYMENTOPTIONS_SANDBOX_MID,
      });
      expect(refused.status).toBe(decline);
      expect(refused.body).toEqual({
        success: false,
        status_code: decline,
        ...(withCode && { payment_details: { response_code: 5 } }),
      });
      const retry = await refund({
        transactionId: await payment({ refundResponseCode: 96 }),
        amount: 100,
        merchant_id: PAYMENTOPTIONS_SANDBOX_MID,
      });
      expect([500, 502]).toContain(retry.status);
      const unknown = await refund({
        transactionId: '00000000-0000-4000-8000-000000000000',
        amount: 1,
        merchant_id: PAYMENTOPTIONS_SANDBOX_MID,
      });
      expect([400, 404, 412]).toContain(unknown.status);
      expect(unknown.body).toEqual({
        success: false,
        status_code: unknown.status,
        ...(withCode && { payment_details: { response_code: 25 } }),
      });
      expect(sb.sandbox.ledger.list({ provider: 'paymentoptions' })).toHaveLength(0);
    }
  );

  it.each([200, 201])('answers "unclear" and pending codes with HTTP %s for its seed', async (httpStatus) => {
    const { sb, choices } = await strict((c) => choice(c, 'paymentoptions', 'unclearHttpStatus') === httpStatus);
    const { refund, payment, status } = setUp(sb, choices);
    for (const code of [676, 68, 578]) {
      const transactionId = await payment({ refundResponseCode: code });
      const res = await refund({ transactionId, amount: 100, merchant_id: PAYMENTOPTIONS_SANDBOX_MID });
      expect(res.status).toBe(httpStatus);
      expect(res.body).toMatchObject({
        success: false,
        status_code: httpStatus,
        payment_details: { response_code: code },
      });
      expect(res.body).not.toHaveProperty('gateway_response');
      const read = await status((res.body.transaction_details as { id: string }).id);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ payment_details: { response_code: code === 578 ? 578 : 0 } });
    }
  });

  it('answers the documented 201 without the status read’s responseDescription', async () => {
    const { sb, choices } = await strict();
    const { refund, payment } = setUp(sb, choices);
    const res = await refund({ transactionId: await payment(), amount: 1000, merchant_id: PAYMENTOPTIONS_SANDBOX_MID });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      success: true,
      status_code: 201,
      gateway_response: { type: 'INFO', code: 'INFO0002' },
      payment_details: { response_code: 0 },
    });
    expect(res.body.payment_details).not.toHaveProperty('responseDescription');
  });
});

describe('strict-docs mode: SandPay', () => {
  const auth = { authorization: `Bearer ${SANDPAY_SANDBOX_KEY}` };

  it.each([true, false])('GET /v1/payments/{id} has status or not as its seed drew (%s)', async (statusInRead) => {
    const { sb, choices } = await strict((c) => choice(c, 'sandpay', 'statusInRead') === statusInRead);
    const created = await sb.json<{ transactionId: string }>('POST', '/_sandbox/sandpay/payments', {
      amountMinor: 1000,
      refundOutcome: 'PENDING',
    });
    const id = created.body.transactionId;
    const refund = await sb.json('POST', `/sandpay/v1/payments/${id}/refund`, { amount: 400 }, auth);
    const httpStatus = choice<number>(choices, 'sandpay', 'refundHttpStatus');
    expect([200, 201]).toContain(httpStatus);
    expect(refund.status).toBe(httpStatus);
    expect(refund.body).toMatchObject({ type: 'refund', status: 'PENDING', amount: 400, parent_tx_id: id });
    for (const txId of [id, refund.body.tx_id as string]) {
      const read = await sb.json('GET', `/sandpay/v1/payments/${txId}`, undefined, auth);
      expect(read.status).toBe(200);
      expect('status' in read.body).toBe(statusInRead);
      expect(read.body).not.toHaveProperty('description');
      expect(read.body).not.toHaveProperty('completedAt');
      expect(read.body).toMatchObject({ id: txId, amount: expect.any(Number), netAmount: expect.any(Number) });
    }
  });

  it('keeps the documented refund statuses, and one 2xx for a new refund and a replay', async () => {
    const { sb, choices } = await strict();
    const httpStatus = choice<number>(choices, 'sandpay', 'refundHttpStatus');
    const created = await sb.json<{ transactionId: string }>('POST', '/_sandbox/sandpay/payments', {
      amountMinor: 1000,
      refundOutcome: 'TIMEOUT',
    });
    const first = await sb.json(
      'POST',
      `/sandpay/v1/payments/${created.body.transactionId}/refund`,
      { amount: 100, reference: 'r' },
      auth
    );
    const replay = await sb.json(
      'POST',
      `/sandpay/v1/payments/${created.body.transactionId}/refund`,
      { amount: 100, reference: 'r' },
      auth
    );
    expect([first.status, replay.status]).toEqual([httpStatus, httpStatus]);
    expect(first.body).toMatchObject({ status: 'TIMEOUT', idempotent: false });
    expect(replay.body).toMatchObject({ status: 'TIMEOUT', idempotent: true });
  });
});

describe('strict-docs mode: SecPaid', () => {
  const auth = { token: SECPAID_SANDBOX_TOKEN };
  const messages = [
    'Refund request has been sent successfully, You will get update within 5-10 days',
    'Refund request submitted successfully',
  ];

  it.each([200, 400])('answers business errors (ResponseCode 0) at HTTP %s for its seed', async (httpStatus) => {
    const { sb } = await strict((c) => choice(c, 'secpaid', 'errorHttpStatus') === httpStatus);
    const missing = await sb.json('POST', '/secpaid/api/v2/refundPayment', { refund_amount: 1 }, auth);
    expect(missing.status).toBe(httpStatus);
    expect(missing.body).toMatchObject({ ResponseCode: 0, ResponseMsg: 'Please enter pay_id', Result: 'False' });
    const noToken = await sb.json('POST', '/secpaid/api/v2/refundPayment', { pay_id: 1, refund_amount: 1 });
    expect(noToken.status).toBe(httpStatus);
    expect(noToken.body).toMatchObject({ ResponseCode: 0, ResponseMsg: 'Please enter token' });
    const unknown = await sb.json('POST', '/secpaid/api/v2/refundPayment', { pay_id: 1, refund_amount: 1 }, auth);
    expect(unknown.status).toBe(httpStatus);
    expect(['Invalid link ID', 'Link not found']).toContain(unknown.body.ResponseMsg);
  });

  it.each(messages)('answers success with one of the two documented texts: "%s" for its seed', async (message) => {
    const { sb } = await strict((c) => choice(c, 'secpaid', 'successMessage') === message);
    const link = await sb.json<{ payId: number }>('POST', '/_sandbox/secpaid/payments', { amountMinor: 4999 });
    const res = await sb.json(
      'POST',
      '/secpaid/api/v2/refundPayment',
      { pay_id: link.body.payId, refund_amount: 49.99, isFullRefund: true },
      auth
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ResponseCode: 1,
      ResponseMsg: message,
      Result: 'True',
      ServerTime: expect.stringMatching(/^CES?T$/),
    });
  });

  it('lists getPayInTransactions rows with every number as a string', async () => {
    const { sb } = await strict();
    const link = await sb.json<{ payId: number }>('POST', '/_sandbox/secpaid/payments', { amountMinor: 4999 });
    await sb.json('POST', '/secpaid/api/v2/refundPayment', { pay_id: link.body.payId, refund_amount: '20.00' }, auth);
    await sb.json('POST', `/_sandbox/secpaid/refunds/${link.body.payId}/approve`);
    const res = await sb.json<{ data: Record<string, unknown>[]; totalRecords: unknown }>(
      'POST',
      '/secpaid/api/v2/getPayInTransactions',
      { pay_id: link.body.payId },
      auth
    );
    expect(res.body.data).toHaveLength(2);
    expect(res.body.totalRecords).toBe('2');
    for (const row of res.body.data) {
      for (const value of Object.values(row)) expect(value === null || typeof value === 'string').toBe(true);
    }
    expect(res.body.data.map((r) => [r.transaction_type, r.amount])).toEqual([
      ['Basic', '49.99'],
      ['Refund', '-20.00'],
    ]);
  });
});
