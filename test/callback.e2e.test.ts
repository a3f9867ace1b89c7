import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { SIGNATURE_HEADER, verifySignature } from '../src/callbacks/signature';
import { completionCallbackWorkflowId } from '../src/contract';

import { recordHistory } from './support/histories';
import { eventually, startTestStack, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

let stack: TestStack;
let receiver: http.Server;
let url: string;
const received: { status: number; body: string; signature: string | undefined }[] = [];
let failFirst = 0;

beforeAll(async () => {
  // The receivers here listen on loopback, which only a development or test worker may be allowed to reach.
  stack = await startTestStack({ env: { CALLBACK_ALLOW_LOOPBACK: 'true' } });
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = failFirst > 0 ? 503 : 200;
      failFirst -= 1;
      received.push({ status, body, signature: req.headers[SIGNATURE_HEADER] as string | undefined });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/refund-events`;
});
afterAll(async () => {
  receiver?.close();
  await stack?.stop();
});

describe('completion callback', () => {
  it('the refund ends at once; the backend then gets a signed event, retried until it answers 2xx', async () => {
    failFirst = 2;
    const paymentId = await stack.api.openpaydPayment(300);
    const refundId = uniqueRefundId('cb');
    await stack.refunds.start({
      provider: 'openpayd',
      refundId,
      paymentId,
      amount: { amountMinor: 300, currency: 'EUR' },
      full: true,
      callbackUrl: url,
    });
    expect((await stack.refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');

    const child = stack.client.workflow.getHandle(completionCallbackWorkflowId(refundId));
    expect(await child.result()).toBe('delivered');
    await recordHistory(stack.client, refundId, 'openpayd-with-completion-callback');
    const mine = received.filter((r) => r.body.includes(refundId));
    expect(mine.map((r) => r.status)).toEqual([503, 503, 200]);
    const delivered = mine[2]!;
    expect(verifySignature(delivered.signature, delivered.body, stack.config.callbacks.signingSecret)).toEqual({
      ok: true,
    });
    expect(JSON.parse(delivered.body)).toMatchObject({
      id: `evt_${refundId}_succeeded`,
      type: 'refund.succeeded',
      refundId,
      status: 'SUCCEEDED',
      provider: 'openpayd',
      amount: { amountMinor: 300, currency: 'EUR' },
    });
  }, 120_000);

  it('a receiver that never answers cannot change the refund', async () => {
    const paymentId = await stack.api.openpaydPayment(200);
    const refundId = uniqueRefundId('cb');
    await stack.refunds.start({
      provider: 'openpayd',
      refundId,
      paymentId,
      amount: { amountMinor: 200, currency: 'EUR' },
      full: true,
      callbackUrl: 'http://127.0.0.1:9/nobody-listens',
    });
    expect((await stack.refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');
    const child = stack.client.workflow.getHandle(completionCallbackWorkflowId(refundId));
    await eventually(
      async () => ((await child.describe()).raw.pendingActivities?.[0]?.attempt ?? 0) >= 2 || undefined,
      'a retried delivery'
    );
    expect((await stack.refunds.get(refundId)).status).toBe('SUCCEEDED');
    await child.terminate('test done');
  });
});
