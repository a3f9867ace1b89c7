import { guardStateQuery, paymentGuardWorkflowId } from '../src/contract';
import type { RefundRequestInput } from '../src/providers';

import { recordWorkflowHistory } from './support/histories';
import { startTestStack, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const partial = (paymentId: string, amountMinor: number, paymentAmountMinor?: number): RefundRequestInput => ({
  provider: 'sandpay',
  refundId: uniqueRefundId('guard'),
  paymentId,
  amount: { amountMinor, currency: 'XOF' },
  ...(paymentAmountMinor !== undefined && { paymentAmount: { amountMinor: paymentAmountMinor, currency: 'XOF' } }),
});

describe('per-payment guard', () => {
  it('lets concurrent partial refunds through only up to the payment amount, before any provider call', async () => {
    const tx = await stack.api.sandpayCollection(1000);
    const record = () =>
      recordWorkflowHistory(stack.client, paymentGuardWorkflowId('sandpay', tx), 'guard-concurrent-partials');
    const requests = [600, 600, 300].map((amount) => partial(tx, amount, 1000));
    await Promise.all(requests.map((r) => stack.refunds.start(r)));
    const outcomes = await Promise.all(requests.map((r) => stack.refunds.waitForOutcome(r.refundId)));
    const succeeded = outcomes.filter((o) => o.status === 'SUCCEEDED');
    const refused = outcomes.filter((o) => o.failure?.type === 'ExceedsRefundable');
    // 600 + 300 fit in 1000; whichever 600 came second cannot.
    expect(succeeded).toHaveLength(2);
    expect(refused).toHaveLength(1);
    const ledger = await stack.api.ledger('sandpay', tx);
    expect(ledger.reduce((sum, e) => sum + e.amountMinor, 0)).toBe(900);
    expect(stack.sandbox.requestCount('sandpay', 'refund')).toBe(2);

    // The two that succeeded with what they reserved keep holding it; the refused one holds nothing.
    const guard = await stack.client.workflow.getHandle(paymentGuardWorkflowId('sandpay', tx)).query(guardStateQuery);
    expect(guard).toMatchObject({ paymentAmountMinor: 1000, committed: {} });
    const held = requests.filter((_, i) => outcomes[i]!.status === 'SUCCEEDED');
    expect(guard.reserved).toEqual(Object.fromEntries(held.map((r) => [r.refundId, r.amount.amountMinor])));
    await record();
    // The refusal names who held the payment then, so an operator can look at them: the 600 that got
    // through always, the 300 when it came first.
    const [the600, the300] = [held.find((r) => r.amount.amountMinor === 600)!, requests[2]!];
    expect([
      `600 exceeds the 400 still refundable of 1000 (held by ${the600.refundId} 600)`,
      `600 exceeds the 100 still refundable of 1000 (held by ${the600.refundId} 600, ${the300.refundId} 300)`,
      `600 exceeds the 100 still refundable of 1000 (held by ${the300.refundId} 300, ${the600.refundId} 600)`,
    ]).toContain(refused[0]!.failure?.providerMessage);
  });

  it('without the original amount lets the provider decide, and the refund says so', async () => {
    const tx = await stack.api.sandpayCollection(1000);
    const first = partial(tx, 800);
    await stack.refunds.start(first);
    expect((await stack.refunds.waitForOutcome(first.refundId)).status).toBe('SUCCEEDED');
    expect((await stack.refunds.get(first.refundId)).paymentGuard).toMatch(/original amount is unknown/);
    const second = partial(tx, 800);
    await stack.refunds.start(second);
    expect((await stack.refunds.waitForOutcome(second.refundId)).failure?.type).toBe('InvalidRefundAmount');
  });

  it("releases a failed refund's reservation, so the amount can be refunded again", async () => {
    const blocked = await stack.api.sandpayCollection(500, { refundOutcome: 'ACCOUNT_BLOCKED' });
    const first = partial(blocked, 500, 500);
    await stack.refunds.start(first);
    expect((await stack.refunds.waitForOutcome(first.refundId)).status).toBe('FAILED');
    const guard = await stack.client.workflow
      .getHandle(paymentGuardWorkflowId('sandpay', blocked))
      .query(guardStateQuery);
    expect(guard).toMatchObject({ reserved: {}, committed: {} });
    const again = partial(blocked, 500, 500);
    await stack.refunds.start(again);
    // Not refused by the guard: SandPay itself decides (and blocks the account again).
    expect((await stack.refunds.waitForOutcome(again.refundId)).failure?.type).toBe('RefundDeclined');
    await recordWorkflowHistory(
      stack.client,
      paymentGuardWorkflowId('sandpay', blocked),
      'guard-reserve-release-reserve'
    );
  });

  it('refuses at the boundary a refund larger than the stated payment amount', async () => {
    await expect(stack.refunds.start(partial('TX_ABC', 1001, 1000))).rejects.toThrow(
      /amount.amountMinor: exceeds the payment amount/
    );
  });
});
