import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { sandboxCredentials } from '../../src/config';
import { startSandbox } from '../support/sandbox';
import type { RunningSandbox } from '../support/sandbox';

const apiKey = sandboxCredentials.openpaydApiKey;

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
