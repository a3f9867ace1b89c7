import { paymentGuardWorkflowId } from '../../src/contract';
import { resetToFirstWorkflowTask } from '../support/histories';
import { startTestStack, startUnservedGuard, stateWhen, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * The payment guard as the durable record of a payment's refunds: a reset or re-run of a refund it
 * knows never reaches the provider again, and a guard that was terminated never comes back empty.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop(), 120_000);

const ledger = (provider: string, paymentId: string) => stack.sandbox.ledger.list({ provider, paymentId });

it('a reset of a SUCCEEDED refund to its first workflow task refunds nothing again: a person is asked', async () => {
  await stack.api.call('PUT', '/_sandbox/openpayd/account', { partialRefunds: true });
  try {
    const paymentId = await stack.api.openpaydPayment(3_000);
    const refundId = uniqueRefundId('reset');
    await stack.refunds.start({
      provider: 'openpayd',
      refundId,
      paymentId,
      amount: { amountMinor: 1_000, currency: 'EUR' },
    });
    expect((await stack.refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');

    await resetToFirstWorkflowTask(stack.client, `refund-${refundId}`);
    const rerun = await stateWhen(stack.refunds, refundId, (s) => s.needsAttention, 'the re-run asks a person');
    expect(rerun.paymentGuard).toMatch(/may not reach the provider again/);
    expect(rerun.attempts).toHaveLength(0);
    expect(ledger('openpayd', paymentId).map((e) => e.amountMinor)).toEqual([1_000]);
    await stack.refunds.resolve(refundId, { outcome: 'SUCCEEDED', reason: 'the first run refunded it', by: 'ops' });
    expect((await stack.refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');
    expect(ledger('openpayd', paymentId)).toHaveLength(1);
  } finally {
    await stack.api.call('PUT', '/_sandbox/openpayd/account', { partialRefunds: false });
  }
});

it('a terminated guard never comes back empty: the next refund of the payment waits for it and asks a person', async () => {
  const paymentId = await stack.api.sandpayCollection(1_000);
  const first = uniqueRefundId('guard');
  const amount = { amountMinor: 1_000, currency: 'XOF' };
  await stack.refunds.start({ provider: 'sandpay', refundId: first, paymentId, amount, paymentAmount: amount });
  expect((await stack.refunds.waitForOutcome(first)).status).toBe('SUCCEEDED');
  await stack.client.workflow.getHandle(paymentGuardWorkflowId('sandpay', paymentId)).terminate('by mistake');

  const second = uniqueRefundId('guard');
  await stack.refunds.start({ provider: 'sandpay', refundId: second, paymentId, amount, paymentAmount: amount });
  const waiting = await stateWhen(stack.refunds, second, (s) => s.needsAttention, 'attention', 30_000);
  expect(waiting).toMatchObject({ status: 'RECEIVED', waitingFor: "the payment's guard, which does not answer" });
  expect(waiting.attentionReason).toMatch(/payment guard does not answer/);
  // Nothing reached SandPay: the full amount was already refunded, and the guard that knew it is gone.
  expect(ledger('sandpay', paymentId)).toHaveLength(1);
});

it('a guard terminated while a reservation waits on it is not replaced by an empty one', async () => {
  const paymentId = await stack.api.sandpayCollection(1_000);
  const guardId = paymentGuardWorkflowId('sandpay', paymentId);
  // A guard no worker serves: the reservation waits on it.
  const stuck = await startUnservedGuard(stack, 'sandpay', paymentId);
  const refundId = uniqueRefundId('guard');
  const amount = { amountMinor: 1_000, currency: 'XOF' };
  await stack.refunds.start({ provider: 'sandpay', refundId, paymentId, amount, paymentAmount: amount });
  await new Promise((r) => setTimeout(r, 1_000));
  await stuck.terminate('by mistake');

  const waiting = await stateWhen(stack.refunds, refundId, (s) => s.needsAttention, 'attention', 30_000);
  expect(waiting).toMatchObject({ status: 'RECEIVED', waitingFor: "the payment's guard, which does not answer" });
  // Before, the SDK's update-with-start retried after the termination and started an empty guard.
  const latest = await stack.client.workflow.getHandle(guardId).describe();
  expect({ runId: latest.runId, status: latest.status.name }).toEqual({
    runId: stuck.firstExecutionRunId,
    status: 'TERMINATED',
  });
  expect(ledger('sandpay', paymentId)).toHaveLength(0);
});

it('with no worker serving its guard, a refund says what it waits for, asks a person, and its history stays small', async () => {
  const paymentId = await stack.api.sandpayCollection(800);
  const unserved = await startUnservedGuard(stack, 'sandpay', paymentId);
  const refundId = uniqueRefundId('guard');
  try {
    await stack.refunds.start({
      provider: 'sandpay',
      refundId,
      paymentId,
      amount: { amountMinor: 800, currency: 'XOF' },
    });
    const waiting = await stateWhen(stack.refunds, refundId, (s) => s.needsAttention, 'attention', 60_000);
    expect(waiting).toMatchObject({ status: 'RECEIVED', waitingFor: "the payment's guard, which does not answer" });
    await new Promise((r) => setTimeout(r, 15_000));
    // Before, the local activity renewed its workflow task for ever: ~3 events every 8 s, no attention.
    const { historyLength } = await stack.client.workflow.getHandle(`refund-${refundId}`).describe();
    expect(historyLength).toBeLessThan(60);
    expect(ledger('sandpay', paymentId)).toHaveLength(0);
  } finally {
    // Its pending update then fails at once, so no guard call is left for the worker's shutdown to wait on.
    await unserved.terminate('test over');
  }
}, 120_000);
