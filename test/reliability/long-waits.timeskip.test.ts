import { runsOf } from '../support/histories';
import { quietLogger, uniqueRefundId } from '../support/stack';
import { startTimeSkipStack } from '../../harness/timeskip-stack';
import type { TimeSkipStack } from '../../harness/timeskip-stack';

/**
 * A refund's history stays bounded over months, on Temporal's time-skipping test server with
 * production defaults: SandPay answering INSUFFICIENT_FUNDS for 90 days (its merchant float is
 * empty), every new submission a real HTTP request to the sandbox.
 */
let stack: TimeSkipStack;
beforeAll(async () => {
  stack = await startTimeSkipStack(quietLogger(), process.env.TEST_WORKFLOW_BUNDLE ?? '');
}, 120_000);
afterAll(() => stack?.close());

it('90 days of SandPay INSUFFICIENT_FUNDS: new submissions slow down after eight, every run stays under 10,000 events, and the refund succeeds once the float is topped up', async () => {
  await stack.control('PUT', '/_sandbox/sandpay/float', { balanceMinor: 0 });
  const payment = (await stack.control('POST', '/_sandbox/sandpay/payments', {
    amountMinor: 5_000,
    currency: 'XOF',
  })) as {
    transactionId: string;
  };
  const refundId = uniqueRefundId('float');
  const submissionsBefore = stack.sandbox.requestCount('sandpay', 'refund');
  await stack.refunds.start({
    provider: 'sandpay',
    refundId,
    paymentId: payment.transactionId,
    amount: { amountMinor: 5_000, currency: 'XOF' },
  });
  await stack.env.sleep('90 days');

  const waiting = await stack.refunds.get(refundId);
  expect(waiting.status).toBe('SUBMITTING');
  expect(waiting.needsAttention).toBe(true);
  // Eight new submissions 15 min apart, then one every 6 h: about 8 + 90 × 4, not 90 × 96.
  const submissions = stack.sandbox.requestCount('sandpay', 'refund') - submissionsBefore;
  expect(submissions).toBeGreaterThan(300);
  expect(submissions).toBeLessThan(400);

  await stack.control('PUT', '/_sandbox/sandpay/float', { balanceMinor: 1_000_000 });
  const outcome = await stack.refunds.waitForOutcome(refundId);
  expect(outcome.status).toBe('SUCCEEDED');
  expect(stack.sandbox.ledger.list({ provider: 'sandpay', paymentId: payment.transactionId })).toHaveLength(1);

  const runs = await runsOf(stack.env.client, `refund-${refundId}`);
  for (const run of runs) expect(run.events).toBeLessThan(10_000);
}, 600_000);
