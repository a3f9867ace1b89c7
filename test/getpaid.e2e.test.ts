import type { RefundRequestInput } from '../src/providers';

import { recordHistory } from './support/histories';
import { startTestStack, stateWhen, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const SELLER = 'acc_seller0000000000000000000';
const SUPPLIER = 'acc_supplier00000000000000000';
const marketplace = () =>
  stack.api.getpaidPayment(
    [
      { accountId: SELLER, amountMinor: 2500 },
      { accountId: SUPPLIER, amountMinor: 500 },
    ],
    { platformAmountMinor: 100 }
  );

const full = (paymentId: string): RefundRequestInput => ({
  provider: 'getpaid',
  refundId: uniqueRefundId('gp'),
  paymentId,
  amount: { amountMinor: 3100, currency: 'EUR' },
  full: true,
  description: 'Refund for ORD-123456',
});

async function providerRefundId(refundId: string, client = stack.refunds): Promise<string> {
  const state = await stateWhen(client, refundId, (s) => s.status === 'PENDING_PROVIDER', 'PENDING_PROVIDER');
  return state.providerRefundId ?? '';
}

describe('GetPaid refund lifecycle', () => {
  it('initiated → PENDING_PROVIDER → SUCCEEDED when GetPaid completes it (fallback poll)', async () => {
    const paymentId = await marketplace();
    const req = full(paymentId);
    await stack.refunds.start(req);
    const rfd = await providerRefundId(req.refundId);
    expect(rfd).toMatch(/^rfd_/);
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/complete`, {});
    expect(await stack.refunds.waitForOutcome(req.refundId)).toMatchObject({
      status: 'SUCCEEDED',
      providerRefundId: rfd,
    });
    expect(await stack.api.ledger('getpaid', paymentId)).toEqual([expect.objectContaining({ amountMinor: 3100 })]);
  });

  it('reads the refund at once on a providerEvent, long before the fallback poll', async () => {
    // Production cadence: the fallback read is 15 minutes away, so only the event can end this test.
    const slow = await stack.refundsAt(1);
    const paymentId = await marketplace();
    const req = full(paymentId);
    await slow.start(req);
    const rfd = await providerRefundId(req.refundId, slow);
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/complete`, {});
    const handle = stack.client.workflow.getHandle(`refund-${req.refundId}`);
    await handle.signal('providerEvent', { eventId: 'evt_1', type: 'refund_completed', providerRefundId: rfd });
    expect((await slow.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    await recordHistory(stack.client, req.refundId, 'getpaid-completed-on-webhook');
  });

  it('a forged or early event changes nothing: the read says the refund is still initiated', async () => {
    const slow = await stack.refundsAt(1);
    const paymentId = await marketplace();
    const req = full(paymentId);
    await slow.start(req);
    const rfd = await providerRefundId(req.refundId, slow);
    const handle = stack.client.workflow.getHandle(`refund-${req.refundId}`);
    await handle.signal('providerEvent', { eventId: 'evt_forged', type: 'refund_completed', providerRefundId: rfd });
    await handle.signal('providerEvent', { eventId: 'evt_forged', type: 'refund_completed', providerRefundId: rfd });
    await new Promise((r) => setTimeout(r, 500));
    expect((await slow.get(req.refundId)).status).toBe('PENDING_PROVIDER');
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/fail`, {
      code: 'refund_period_expired',
      description: 'too late',
    });
    await handle.signal('providerEvent', { eventId: 'evt_2', type: 'refund_failed', providerRefundId: rfd });
    expect(await slow.waitForOutcome(req.refundId)).toMatchObject({
      status: 'FAILED',
      failure: { type: 'RefundDeclined', providerCode: 'refund_period_expired', providerMessage: 'too late' },
    });
    await recordHistory(stack.client, req.refundId, 'getpaid-failed-after-forged-event');
  });

  it('raises NeedsAttention when 7 days pass without an outcome, keeps reading, and ends when GetPaid completes', async () => {
    // 7 days ≈ 0.6 s at this scale; reads every 50 ms before and after the deadline.
    const fast = await stack.refundsAt(0.000001);
    const paymentId = await marketplace();
    const req = full(paymentId);
    await fast.start(req);
    const late = await stateWhen(fast, req.refundId, (s) => s.needsAttention, 'NeedsAttention after the deadline');
    expect(late).toMatchObject({
      status: 'PENDING_PROVIDER',
      attentionReason: 'GetPaid refund still initiated after 7 days',
    });
    const readsAtDeadline = stack.sandbox.requestCount('getpaid', 'get-refund');
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${late.providerRefundId ?? ''}/complete`, {});
    expect((await fast.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    expect(stack.sandbox.requestCount('getpaid', 'get-refund')).toBeGreaterThan(readsAtDeadline);
    expect((await fast.get(req.refundId)).needsAttention).toBe(false);
  });

  it('sends a partial refund with its routing per actor', async () => {
    const paymentId = await marketplace();
    const req: RefundRequestInput = {
      provider: 'getpaid',
      refundId: uniqueRefundId('gp'),
      paymentId,
      amount: { amountMinor: 1500, currency: 'EUR' },
      routing: {
        merchants: [
          { accountId: SELLER, amountMinor: 1000 },
          { accountId: SUPPLIER, amountMinor: 500 },
        ],
      },
    };
    await stack.refunds.start(req);
    const rfd = await providerRefundId(req.refundId);
    const payment = await stack.api
      .call<{ routing: { merchants: { refundable_amount: number }[] } }>('GET', `/getpaid/payments/${paymentId}`)
      .catch(() => undefined);
    expect(payment).toBeUndefined(); // the API needs a token: only the adapter reads it
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/complete`, {});
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    expect(await stack.api.ledger('getpaid', paymentId)).toEqual([expect.objectContaining({ amountMinor: 1500 })]);
  });

  it('fails a partial refund before the payout started with PartialRefundNotAllowed', async () => {
    const paymentId = await stack.api.getpaidPayment([{ accountId: SELLER, amountMinor: 2500 }], {
      payoutStarted: false,
    });
    const req: RefundRequestInput = {
      provider: 'getpaid',
      refundId: uniqueRefundId('gp'),
      paymentId,
      amount: { amountMinor: 100, currency: 'EUR' },
      routing: { merchants: [{ accountId: SELLER, amountMinor: 100 }] },
    };
    await stack.refunds.start(req);
    expect(await stack.refunds.waitForOutcome(req.refundId)).toMatchObject({
      status: 'FAILED',
      failure: { type: 'PartialRefundNotAllowed', providerCode: 'payout_not_started' },
    });
  });

  it('finds its own refund by reference after a lost answer: one refund at GetPaid', async () => {
    const paymentId = await marketplace();
    await stack.api.fault({ provider: 'getpaid', endpoint: 'refund', kind: 'commit-then-drop', times: 1 });
    const req = full(paymentId);
    await stack.refunds.start(req);
    const rfd = await providerRefundId(req.refundId);
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/complete`, {});
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    const refunds = Object.values(
      (stack.sandbox.provider('getpaid').snapshot() as { refunds: Record<string, { paymentId: string }> }).refunds
    );
    expect(refunds.filter((r) => r.paymentId === paymentId)).toHaveLength(1);
    await recordHistory(stack.client, req.refundId, 'getpaid-lost-answer-found-by-reference');
  });

  it('asks a person at once when GetPaid refuses the client credentials', async () => {
    const bad = await startTestStack({ env: { GETPAID_CLIENT_SECRET: 'not-the-secret' } });
    try {
      const paymentId = await bad.api.getpaidPayment([{ accountId: SELLER, amountMinor: 100 }]);
      const refundId = uniqueRefundId('gp');
      await bad.refunds.start({
        provider: 'getpaid',
        refundId,
        paymentId,
        amount: { amountMinor: 100, currency: 'EUR' },
        full: true,
      });
      const stuck = await stateWhen(bad.refunds, refundId, (s) => s.needsAttention, 'NeedsAttention');
      expect(stuck).toMatchObject({
        status: 'SUBMITTING',
        attentionReason: expect.stringMatching(/ProviderAuthFailed/),
      });
      expect(bad.sandbox.requestCount('getpaid', 'token')).toBe(1);
      expect(JSON.stringify(stuck)).not.toContain('not-the-secret');
    } finally {
      await bad.stop();
    }
  });

  it('fetches a new OAuth token once when GetPaid answers 401 for a revoked one, and goes on', async () => {
    const first = full(await marketplace());
    await stack.refunds.start(first);
    await providerRefundId(first.refundId);
    // Each worker set of this file (stack.refundsAt) keeps its own token: count from here.
    const issued = async () => (await stack.api.call<{ issued: number }>('GET', '/_sandbox/getpaid/tokens')).issued;
    const before = await issued();
    await stack.api.call('POST', '/_sandbox/getpaid/revoke-tokens', {});
    const second = full(await marketplace());
    await stack.refunds.start(second);
    const rfd = await providerRefundId(second.refundId);
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/complete`, {});
    expect((await stack.refunds.waitForOutcome(second.refundId)).status).toBe('SUCCEEDED');
    expect((await issued()) - before).toBe(1);
  });
});
