import type { RefundRequestInput } from '../src/providers';

import { recordHistory } from './support/histories';
import { startTestStack, stateWhen, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const request = (paymentId: string, amountMinor: number, full = false): RefundRequestInput => ({
  provider: 'sandpay',
  refundId: uniqueRefundId('sd'),
  paymentId,
  amount: { amountMinor, currency: 'XOF' },
  full,
});

describe('SandPay refund lifecycle', () => {
  it('SUCCEEDED at once for a SUCCESS answer, in whole francs', async () => {
    const tx = await stack.api.sandpayCollection(5000);
    const req = request(tx, 2000);
    await stack.refunds.start(req);
    const outcome = await stack.refunds.waitForOutcome(req.refundId);
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', providerRefundId: expect.stringMatching(/^TX_RF/) });
    expect(await stack.api.ledger('sandpay', tx)).toEqual([
      expect.objectContaining({ amountMinor: 2000, currency: 'XOF' }),
    ]);
  });

  it('startAndWait answers the final state of a refund that ends within the wait, and nothing of one that does not', async () => {
    const tx = await stack.api.sandpayCollection(4000);
    const ended = await stack.refunds.startAndWait(request(tx, 1500), 20_000);
    expect(ended.final).toMatchObject({ status: 'SUCCEEDED', refundedAmountMinor: 1500 });
    const pendingTx = await stack.api.sandpayCollection(3000, { refundOutcome: 'PENDING' });
    const pending = await stack.refunds.startAndWait(request(pendingTx, 1000), 1_000);
    expect({ created: pending.started.created, final: pending.final }).toEqual({ created: true, final: undefined });
  });

  it('waits in PENDING_PROVIDER for a PENDING refund, polls it, and ends when SandPay settles it', async () => {
    const tx = await stack.api.sandpayCollection(3000, { refundOutcome: 'PENDING' });
    const req = request(tx, 3000, true);
    await stack.refunds.start(req);
    const pending = await stateWhen(
      stack.refunds,
      req.refundId,
      (s) => s.status === 'PENDING_PROVIDER',
      'PENDING_PROVIDER'
    );
    await stack.api.call('POST', `/_sandbox/sandpay/refunds/${pending.providerRefundId ?? ''}/resolve`, {
      status: 'SUCCESS',
    });
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    expect(await stack.api.ledger('sandpay', tx)).toHaveLength(1);
    await recordHistory(stack.client, req.refundId, 'sandpay-pending-then-success');
  });

  it('raises NeedsAttention on INSUFFICIENT_FUNDS, retries with a new reference, and succeeds once the float is topped up', async () => {
    const tx = await stack.api.sandpayCollection(9000);
    await stack.api.call('PUT', '/_sandbox/sandpay/float', { balanceMinor: 100 });
    const req = request(tx, 9000);
    await stack.refunds.start(req);
    const waiting = await stateWhen(stack.refunds, req.refundId, (s) => s.needsAttention, 'NeedsAttention');
    expect(waiting.attentionReason).toMatch(/InsufficientMerchantFunds/);
    expect(waiting.status).toBe('SUBMITTING');

    await stack.api.call('PUT', '/_sandbox/sandpay/float', { balanceMinor: 1_000_000 });
    const outcome = await stack.refunds.waitForOutcome(req.refundId);
    expect(outcome.status).toBe('SUCCEEDED');
    const state = await stack.refunds.get(req.refundId);
    expect(state.needsAttention).toBe(false);
    expect(state.attempts.filter((a) => a.outcome === 'retry-later').length).toBeGreaterThanOrEqual(1);
    const ledger = await stack.api.ledger('sandpay', tx);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]?.reference).toMatch(/-refund-\d+$/);
    expect(ledger[0]?.reference).not.toMatch(/-refund-1$/);
    await recordHistory(stack.client, req.refundId, 'sandpay-insufficient-funds-then-success');
  });

  it.each(['ACCOUNT_BLOCKED', 'PIN_INVALID', 'UNKNOWN_MSISDN'])(
    'FAILED with the status as code for %s',
    async (status) => {
      const tx = await stack.api.sandpayCollection(1000, { refundOutcome: status });
      const req = request(tx, 1000);
      await stack.refunds.start(req);
      const outcome = await stack.refunds.waitForOutcome(req.refundId);
      expect(outcome).toMatchObject({ status: 'FAILED', failure: { type: 'RefundDeclined', providerCode: status } });
    }
  );

  it('replays the same reference after a lost answer: one refund, and 429 Retry-After is honoured', async () => {
    const tx = await stack.api.sandpayCollection(4000);
    await stack.api.fault({
      provider: 'sandpay',
      endpoint: 'refund',
      kind: 'rate-limit',
      retryAfterSeconds: 1,
      times: 1,
    });
    await stack.api.fault({ provider: 'sandpay', endpoint: 'refund', kind: 'commit-then-drop', times: 1 });
    const req = request(tx, 4000);
    await stack.refunds.start(req);
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    expect(await stack.api.ledger('sandpay', tx)).toHaveLength(1);
  });

  it('fails with InvalidRefundAmount when SandPay refuses the amount', async () => {
    const tx = await stack.api.sandpayCollection(500);
    const req = request(tx, 600);
    await stack.refunds.start(req);
    expect((await stack.refunds.waitForOutcome(req.refundId)).failure?.type).toBe('InvalidRefundAmount');
  });
});
