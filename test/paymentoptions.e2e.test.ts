import { PAYMENTOPTIONS_SANDBOX_MID } from '../src/providers/paymentoptions/sandbox';
import type { RefundRequestInput } from '../src/providers';

import { recordHistory } from './support/histories';
import { startTestStack, stateWhen, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const request = (paymentId: string, amountMinor: number): RefundRequestInput => ({
  provider: 'paymentoptions',
  refundId: uniqueRefundId('po'),
  paymentId,
  amount: { amountMinor, currency: 'JPY' },
  merchantId: PAYMENTOPTIONS_SANDBOX_MID,
});

describe('PaymentOptions refund lifecycle', () => {
  it('SUCCEEDED for a 201, and the card number PaymentOptions returns goes nowhere', async () => {
    const tx = await stack.api.paymentoptionsPayment(1000);
    const req = request(tx, 1000);
    await stack.refunds.start(req);
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    const history = await stack.client.workflow.getHandle(`refund-${req.refundId}`).fetchHistory();
    expect(JSON.stringify(history)).not.toContain('5200000000001005');
    expect(JSON.stringify(await stack.refunds.get(req.refundId))).not.toContain('5200000000001005');
    expect(await stack.api.ledger('paymentoptions', tx)).toHaveLength(1);
  });

  it('FAILED with the acquirer code for a decline', async () => {
    const tx = await stack.api.paymentoptionsPayment(1000, { refundResponseCode: 5 });
    const req = request(tx, 500);
    await stack.refunds.start(req);
    expect(await stack.refunds.waitForOutcome(req.refundId)).toMatchObject({
      status: 'FAILED',
      failure: { type: 'RefundDeclined', providerCode: '5', providerMessage: 'Do not honour' },
    });
  });

  it.each([
    [true, 'SUCCEEDED', 1],
    [false, 'FAILED', 0],
  ])('settles "result is unclear" by reading the refund (committed: %s)', async (unclearCommits, status, refunds) => {
    const tx = await stack.api.paymentoptionsPayment(1000, { refundResponseCode: 676, unclearCommits });
    const req = request(tx, 700);
    await stack.refunds.start(req);
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe(status);
    const state = await stack.refunds.get(req.refundId);
    expect(state.transitions.map((t) => t.to)).toContain('PENDING_PROVIDER');
    expect(await stack.api.ledger('paymentoptions', tx)).toHaveLength(refunds);
    await recordHistory(stack.client, req.refundId, `paymentoptions-unclear-${status.toLowerCase()}`);
  });

  it('resends after a 429 (not processed), and only then: one refund', async () => {
    const tx = await stack.api.paymentoptionsPayment(1000);
    await stack.api.fault({
      provider: 'paymentoptions',
      endpoint: 'refund',
      kind: 'rate-limit',
      retryAfterSeconds: 0,
      times: 2,
    });
    const req = request(tx, 1000);
    await stack.refunds.start(req);
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    const state = await stack.refunds.get(req.refundId);
    expect(state.attempts.map((a) => a.outcome)).toEqual(['not-processed', 'not-processed', 'succeeded']);
    await recordHistory(stack.client, req.refundId, 'paymentoptions-resent-after-429');
    expect(await stack.api.ledger('paymentoptions', tx)).toHaveLength(1);
  });

  it('never resends after a lost answer: NeedsAttention, then the operator resolves', async () => {
    const tx = await stack.api.paymentoptionsPayment(1000);
    await stack.api.fault({ provider: 'paymentoptions', endpoint: 'refund', kind: 'commit-then-drop', times: 1 });
    const req = request(tx, 1000);
    await stack.refunds.start(req);
    const stuck = await stateWhen(stack.refunds, req.refundId, (s) => s.needsAttention, 'NeedsAttention');
    expect(stuck.attentionReason).toMatch(/OutcomeUnknown/);
    // The money moved once, and nothing was sent again.
    expect(await stack.api.ledger('paymentoptions', tx)).toHaveLength(1);
    await stack.refunds.resolve(req.refundId, {
      outcome: 'SUCCEEDED',
      reason: 'seen in the PaymentOptions portal',
      by: 'ops',
    });
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    expect(await stack.api.ledger('paymentoptions', tx)).toHaveLength(1);
    await recordHistory(stack.client, req.refundId, 'paymentoptions-outcome-unknown-resolved');
  });
});
