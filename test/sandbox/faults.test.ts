import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { OPENPAYD_SANDBOX_KEY } from '../../src/providers/openpayd/sandbox';
import { GETPAID_SANDBOX_CLIENT } from '../../src/providers/getpaid/sandbox';
import { SANDPAY_SANDBOX_KEY } from '../../src/providers/sandpay/sandbox';
import { SECPAID_SANDBOX_TOKEN } from '../../src/providers/secpaid/sandbox';
import { eventually } from '../support/stack';
import { startSandbox } from '../../harness/sandbox';
import type { RunningSandbox } from '../../harness/sandbox';

const apiKey = OPENPAYD_SANDBOX_KEY;

describe('sandbox fault injection', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());
  beforeEach(() => sb.json('POST', '/_sandbox/reset'));

  async function payment(): Promise<string> {
    const res = await sb.json<{ transactionId: string }>('POST', '/_sandbox/openpayd/payments', {
      amountMinor: 1000,
      currency: 'EUR',
    });
    return res.body.transactionId;
  }
  const refundRaw = (transactionId: string, referenceNo: string) =>
    fetch(`${sb.url}/openpayd/pw/v3/payment/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ apiKey, transactionId, referenceNo }).toString(),
    });

  it('answers an injected 5xx without doing anything, for `times` requests', async () => {
    const id = await payment();
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'openpayd',
      endpoint: 'refund',
      kind: 'http-error',
      status: 502,
      times: 1,
    });
    expect((await refundRaw(id, 'a')).status).toBe(502);
    expect(sb.sandbox.ledger.list()).toHaveLength(0);
    expect((await refundRaw(id, 'a')).status).toBe(200);
    expect(sb.sandbox.ledger.list()).toHaveLength(1);
  });

  it('drops the connection on reset, before doing anything', async () => {
    const id = await payment();
    await sb.json('POST', '/_sandbox/faults', { provider: 'openpayd', kind: 'reset', times: 1 });
    await expect(refundRaw(id, 'a')).rejects.toThrow();
    expect(sb.sandbox.ledger.list()).toHaveLength(0);
  });

  it('commits then drops the response: the refund happened, the caller saw a failure', async () => {
    const id = await payment();
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'openpayd',
      endpoint: 'refund',
      kind: 'commit-then-drop',
      times: 1,
    });
    await expect(refundRaw(id, 'lost-answer')).rejects.toThrow();
    expect(sb.sandbox.ledger.list({ paymentId: id })).toHaveLength(1);
    const status = await sb.form('/openpayd/pw/v3/payment/status', { apiKey, referenceNo: 'lost-answer' });
    expect(status.body).toMatchObject({ status: 'APPROVED' });
  });

  it('answers 429 with Retry-After, and slows down on request', async () => {
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'openpayd',
      kind: 'rate-limit',
      retryAfterSeconds: 7,
      times: 1,
    });
    const limited = await refundRaw('x', 'y');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    await sb.json('POST', '/_sandbox/faults', { provider: 'openpayd', kind: 'slow', delayMs: 300, times: 1 });
    await expect(
      fetch(`${sb.url}/openpayd/pw/v3/payment/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ apiKey, referenceNo: 'z' }).toString(),
        signal: AbortSignal.timeout(100),
      })
    ).rejects.toThrow();
  });

  it('validates fault specs', async () => {
    const res = await sb.json('POST', '/_sandbox/faults', { provider: 'openpayd', kind: 'meltdown' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_body', fields: [expect.objectContaining({ field: 'kind' })] });
    const refused = async (spec: Record<string, unknown>, field: string) => {
      const answer = await sb.json('POST', '/_sandbox/faults', { provider: 'openpayd', ...spec });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ fields: [expect.objectContaining({ field })] });
    };
    await refused({ kind: 'http-error', status: 200 }, 'status');
    await refused({ kind: 'commit-then-error', status: 302 }, 'status');
    await refused({ kind: 'read-error', status: 600 }, 'status');
    await refused({ kind: 'read-error', status: 199 }, 'status');
    await refused({ kind: 'http-error', body: { a: 1 } }, 'body');
    await refused({ kind: 'read-error', endpoint: 'refund' }, 'endpoint');
    const defaults = await sb.json('POST', '/_sandbox/faults', { provider: 'openpayd', kind: 'read-error' });
    expect(defaults.status).toBe(201);
    expect(defaults.body).toMatchObject({ endpoint: '*', status: 404, probability: 1 });
    expect(defaults.body).not.toHaveProperty('body');
    const late = await sb.json('POST', '/_sandbox/faults', { provider: 'openpayd', kind: 'commit-then-error' });
    expect(late.body).toMatchObject({ status: 500 });
  });
});

describe('sandbox faults that commit', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());
  beforeEach(() => sb.json('POST', '/_sandbox/reset'));

  async function payment(): Promise<string> {
    const res = await sb.json<{ transactionId: string }>('POST', '/_sandbox/openpayd/payments', {
      amountMinor: 1000,
      currency: 'EUR',
    });
    return res.body.transactionId;
  }
  const refundRaw = (transactionId: string, referenceNo: string, signal?: AbortSignal) =>
    fetch(`${sb.url}/openpayd/pw/v3/payment/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ apiKey, transactionId, referenceNo }).toString(),
      ...(signal && { signal }),
    });
  const ledger = async () =>
    (await sb.json<{ refunds: { reference: string }[] }>('GET', '/_sandbox/ledger?provider=openpayd')).body.refunds;

  it('commit-then-error: the refund is in the ledger while the caller got a 5xx', async () => {
    const id = await payment();
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'openpayd',
      endpoint: 'refund',
      kind: 'commit-then-error',
      times: 1,
    });
    const res = await refundRaw(id, 'errored');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: 'sandbox_fault', message: 'injected HTTP 500 after commit' });
    expect(await ledger()).toEqual([expect.objectContaining({ reference: 'errored', amountMinor: 1000 })]);
    const status = await sb.form('/openpayd/pw/v3/payment/status', { apiKey, referenceNo: 'errored' });
    expect(status.body).toMatchObject({ status: 'APPROVED' });

    // Any status from 400, on another provider, whose own error type is not JSON.
    const token = await sb.json<{ access_token: string }>('POST', '/getpaid/oauth/token', {
      client_id: GETPAID_SANDBOX_CLIENT.clientId,
      client_secret: GETPAID_SANDBOX_CLIENT.clientSecret,
      grant_type: 'client_credentials',
    });
    const gp = await sb.json<{ id: string }>('POST', '/_sandbox/getpaid/payments', {
      merchants: [{ accountId: 'acc_1', amountMinor: 700 }],
    });
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'getpaid',
      endpoint: 'refund',
      kind: 'commit-then-error',
      status: 503,
      times: 1,
    });
    const auth = { authorization: `Bearer ${token.body.access_token}` };
    const errored = await sb.json('POST', '/getpaid/refunds', { payment_id: gp.body.id, description: 'x' }, auth);
    expect(errored.status).toBe(503);
    expect(errored.body).toEqual({ error: 'sandbox_fault', message: 'injected HTTP 503 after commit' });
    const read = await sb.json<{ routing: { merchants: { refundable_amount: number }[] } }>(
      'GET',
      `/getpaid/payments/${gp.body.id}`,
      undefined,
      auth
    );
    expect(read.body.routing.merchants[0]?.refundable_amount).toBe(0);
  });

  it("read-error: answers the next N reads, only reads, with the provider's own not-found body, then stops", async () => {
    const id = await payment();
    await sb.json('POST', '/_sandbox/faults', { provider: 'openpayd', endpoint: '*', kind: 'read-error', times: 2 });
    // The refund is no read: it goes through, and does not use up the fault.
    expect((await refundRaw(id, 'read-me')).status).toBe(200);
    expect(await ledger()).toHaveLength(1);
    const read = () => sb.form('/openpayd/pw/v3/payment/status', { apiKey, referenceNo: 'read-me' });
    for (let i = 0; i < 2; i += 1) {
      const failed = await read();
      expect(failed.status).toBe(404);
      expect(failed.body).toMatchObject({ status: 'DECLINED', code: 39 });
    }
    expect((await read()).body).toMatchObject({ status: 'APPROVED', referenceNo: 'read-me' });
    expect(sb.sandbox.requestCount('openpayd', 'status')).toBe(3);
    expect((await sb.json<{ faults: unknown[] }>('GET', '/_sandbox/faults')).body.faults).toHaveLength(0);
  });

  it("read-error: any status 200–599 with a given body, or the provider's error shape", async () => {
    const token = await sb.json<{ access_token: string }>('POST', '/getpaid/oauth/token', {
      client_id: GETPAID_SANDBOX_CLIENT.clientId,
      client_secret: GETPAID_SANDBOX_CLIENT.clientSecret,
      grant_type: 'client_credentials',
    });
    const auth = { authorization: `Bearer ${token.body.access_token}` };
    const gp = await sb.json<{ id: string }>('POST', '/_sandbox/getpaid/payments', {
      merchants: [{ accountId: 'acc_1', amountMinor: 700 }],
    });
    const read = () => sb.json('GET', `/getpaid/payments/${gp.body.id}`, undefined, auth);
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'getpaid',
      endpoint: 'get-payment',
      kind: 'read-error',
      status: 200,
      body: { routing: null, surprise: [1, 'two'] },
      times: 1,
    });
    const odd = await read();
    expect(odd.status).toBe(200);
    expect(odd.body).toEqual({ routing: null, surprise: [1, 'two'] });
    await sb.json('POST', '/_sandbox/faults', { provider: 'getpaid', kind: 'read-error', status: 200, times: 1 });
    expect((await read()).body).toEqual({});
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'getpaid',
      endpoint: 'get-refund',
      kind: 'read-error',
      times: 1,
    });
    const missing = await sb.json('GET', '/getpaid/refunds/rfd_x', undefined, auth);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(missing.body).toMatchObject({ title: 'Not Found', status: 404 });
    await sb.json('POST', '/_sandbox/faults', { provider: 'getpaid', kind: 'read-error', status: 502, times: 1 });
    expect(await read()).toMatchObject({ status: 502, body: { title: 'Bad Gateway', status: 502 } });
    expect((await read()).status).toBe(200);

    // Each provider's read endpoint, with its own body shape.
    const sandpay = await sb.json<{ transactionId: string }>('POST', '/_sandbox/sandpay/payments', {
      amountMinor: 100,
    });
    await sb.json('POST', '/_sandbox/faults', { provider: 'sandpay', kind: 'read-error', times: 1 });
    const sandpayRead = await sb.json('GET', `/sandpay/v1/payments/${sandpay.body.transactionId}`, undefined, {
      authorization: `Bearer ${SANDPAY_SANDBOX_KEY}`,
    });
    expect(sandpayRead).toMatchObject({ status: 404, body: { error: 'not_found' } });
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'secpaid',
      endpoint: 'transactions',
      kind: 'read-error',
      status: 400,
      times: 1,
    });
    const secpaidRead = await sb.json(
      'POST',
      '/secpaid/api/v2/getPayInTransactions',
      {},
      { token: SECPAID_SANDBOX_TOKEN }
    );
    expect(secpaidRead).toMatchObject({ status: 400, body: { ResponseCode: 0, Result: 'False' } });
    await sb.json('POST', '/_sandbox/faults', { provider: 'paymentoptions', kind: 'read-error', times: 1 });
    const poRead = await sb.json(
      'GET',
      '/paymentoptions/api/v1/server-to-server-interface/transaction/status/00000000-0000-4000-8000-000000000000',
      undefined,
      {}
    );
    expect(poRead).toMatchObject({ status: 404, body: { success: false, payment_details: { response_code: 25 } } });
  });

  it('commit-late: commits after the delay although the caller hung up', async () => {
    const id = await payment();
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'openpayd',
      endpoint: 'refund',
      kind: 'commit-late',
      delayMs: 400,
      times: 1,
    });
    await expect(refundRaw(id, 'late', AbortSignal.timeout(100))).rejects.toThrow();
    expect(await ledger()).toHaveLength(0);
    await eventually(async () => ((await ledger()).length === 1 ? true : undefined), 'the late commit', 3_000);
    expect(await ledger()).toEqual([expect.objectContaining({ reference: 'late' })]);
    const status = await sb.form('/openpayd/pw/v3/payment/status', { apiKey, referenceNo: 'late' });
    expect(status.body).toMatchObject({ status: 'APPROVED' });
  });

  it('commit-late: a caller still connected gets the real answer, after the delay', async () => {
    const id = await payment();
    await sb.json('POST', '/_sandbox/faults', {
      provider: 'openpayd',
      endpoint: 'refund',
      kind: 'commit-late',
      delayMs: 300,
      times: 1,
    });
    const started = Date.now();
    const res = await refundRaw(id, 'patient');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'APPROVED', referenceNo: 'patient' });
    expect(await ledger()).toHaveLength(1);
  });

  it('a state file keeps what was committed behind a dropped or abandoned answer', async () => {
    const stateFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'sandbox-state-')), 'state.json');
    const first = await startSandbox({ stateFile });
    const created = await first.json<{ transactionId: string }>('POST', '/_sandbox/openpayd/payments', {
      amountMinor: 500,
      currency: 'EUR',
    });
    const other = await first.json<{ transactionId: string }>('POST', '/_sandbox/openpayd/payments', {
      amountMinor: 300,
      currency: 'EUR',
    });
    const send = (transactionId: string, referenceNo: string, signal?: AbortSignal) =>
      fetch(`${first.url}/openpayd/pw/v3/payment/refund`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ apiKey, transactionId, referenceNo }).toString(),
        ...(signal && { signal }),
      });
    await first.json('POST', '/_sandbox/faults', {
      provider: 'openpayd',
      endpoint: 'refund',
      kind: 'commit-then-drop',
      times: 1,
    });
    await expect(send(created.body.transactionId, 'dropped')).rejects.toThrow();
    await first.json('POST', '/_sandbox/faults', {
      provider: 'openpayd',
      endpoint: 'refund',
      kind: 'commit-late',
      delayMs: 300,
      times: 1,
    });
    await expect(send(other.body.transactionId, 'abandoned', AbortSignal.timeout(50))).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 500));
    await first.close();
    const second = await startSandbox({ stateFile });
    try {
      expect(
        second.sandbox.ledger
          .list({ provider: 'openpayd' })
          .map((e) => e.reference)
          .sort()
      ).toEqual(['abandoned', 'dropped']);
    } finally {
      await second.close();
    }
  });
});

describe('sandbox state file', () => {
  it('keeps payments, refunds and the ledger across a restart', async () => {
    const stateFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'sandbox-state-')), 'state.json');
    const first = await startSandbox({ stateFile });
    const created = await first.json<{ transactionId: string }>('POST', '/_sandbox/openpayd/payments', {
      amountMinor: 500,
      currency: 'EUR',
    });
    await first.form('/openpayd/pw/v3/payment/refund', {
      apiKey,
      transactionId: created.body.transactionId,
      referenceNo: 'kept',
    });
    const link = await first.json<{ payId: number }>('POST', '/_sandbox/secpaid/payments', { amountMinor: 100 });
    await first.close();

    const second = await startSandbox({ stateFile });
    try {
      expect(second.sandbox.ledger.list({ provider: 'openpayd' })).toHaveLength(1);
      const again = await second.form('/openpayd/pw/v3/payment/refund', {
        apiKey,
        transactionId: created.body.transactionId,
        referenceNo: 'again',
      });
      expect(again.body).toMatchObject({ status: 'DECLINED', code: 32 });
      const secpaid = await second.json(
        'POST',
        '/secpaid/api/v2/refundPayment',
        { pay_id: link.body.payId, refund_amount: 1 },
        { token: 'secpaid-sandbox-token' }
      );
      expect(secpaid.body).toMatchObject({ ResponseCode: 1 });
    } finally {
      await second.close();
    }
  });
});
