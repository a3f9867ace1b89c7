import { createLogger } from '../src/logger';
import { installTemporalRuntime } from '../src/temporal/runtime';

import { freePort } from '../src/dev/ports';
import { eventually, startTestStack, stateWhen, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

let stack: TestStack;
let metricsUrl: string;
beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  // This file's worker runtime exports Prometheus metrics, as the worker process does.
  installTemporalRuntime(createLogger({ level: 'error', pretty: false }), { prometheusAddress: `127.0.0.1:${port}` });
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

describe('what operators see', () => {
  it("counts refunds by provider and outcome on the worker's Prometheus endpoint", async () => {
    const refundId = uniqueRefundId('obs');
    const paymentId = await stack.api.openpaydPayment(100);
    await stack.refunds.start({
      provider: 'openpayd',
      refundId,
      paymentId,
      amount: { amountMinor: 100, currency: 'EUR' },
      full: true,
    });
    await stack.refunds.waitForOutcome(refundId);
    const line = await eventually(async () => {
      const text = await (await fetch(metricsUrl)).text();
      return text
        .split('\n')
        .find(
          (l) =>
            /^\w*refunds_completed\S*\{/.test(l) &&
            l.includes('provider="openpayd"') &&
            l.includes('outcome="SUCCEEDED"')
        );
    }, 'refunds_completed{provider="openpayd",outcome="SUCCEEDED"}');
    expect(Number(line.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
    // the SDK's own metrics are there too
    expect(await (await fetch(metricsUrl)).text()).toMatch(/workflow_completed/);
  });

  it('shows the status and what the refund waits for as the workflow\'s current details (the UI\'s "Current details")', async () => {
    const refundId = uniqueRefundId('obs');
    const paymentId = await stack.api.sandpayCollection(100, { refundOutcome: 'PENDING' });
    await stack.refunds.start({
      provider: 'sandpay',
      refundId,
      paymentId,
      amount: { amountMinor: 100, currency: 'XOF' },
    });
    await stateWhen(stack.refunds, refundId, (s) => s.status === 'PENDING_PROVIDER', 'PENDING_PROVIDER');
    const metadata = await stack.client.workflow
      .getHandle(`refund-${refundId}`)
      .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(/\*\*PENDING_PROVIDER\*\*/);
    expect(metadata.currentDetails).toMatch(/Waiting for: sandpay to complete the refund/);
  });
});
