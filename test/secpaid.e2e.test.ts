import { guardStateQuery, paymentGuardWorkflowId, refundWatchWorkflowId } from '../src/contract';
import type { RefundRequestInput } from '../src/providers';

import { recordHistory } from './support/histories';
import { startTestStack, stateWhen, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const request = (paymentId: string, amountMinor: number, full = true): RefundRequestInput => ({
  provider: 'secpaid',
  refundId: uniqueRefundId('sp'),
  paymentId,
  amount: { amountMinor, currency: 'EUR' },
  full,
});

describe('SecPaid refund lifecycle', () => {
  it('waits in PENDING_REVIEW until a SecPaid admin approves, then SUCCEEDED with the exact amount', async () => {
    const payId = await stack.api.secpaidLink(4999);
    const req = request(payId, 4999);
    await stack.refunds.start(req);
    const pending = await stateWhen(
      stack.refunds,
      req.refundId,
      (s) => s.status === 'PENDING_REVIEW',
      'PENDING_REVIEW'
    );
    expect(pending.transitions.at(-1)).toMatchObject({ to: 'PENDING_REVIEW', by: 'secpaid' });
    const queue = await stack.api.call<{ refunds: { payId: number; amountMinor: number; isFullRefund: boolean }[] }>(
      'GET',
      '/_sandbox/secpaid/refunds'
    );
    // 4999 minor units reached SecPaid as 49.99 EUR, exactly.
    expect(queue.refunds.find((r) => String(r.payId) === payId)).toMatchObject({
      amountMinor: 4999,
      isFullRefund: true,
    });

    await stack.api.call('POST', `/_sandbox/secpaid/refunds/${payId}/approve`, {});
    const outcome = await stack.refunds.waitForOutcome(req.refundId);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.providerRefundId).toMatch(/^\d{8}-pi-\d{10}$/);
    expect((await stack.refunds.get(req.refundId)).refundedAmountMinor).toBe(4999);
    expect(await stack.api.ledger('secpaid', payId)).toHaveLength(1);
    await recordHistory(stack.client, req.refundId, 'secpaid-approved-after-review');
  });

  it('treats "Refund already requested" after a lost answer as its own request, never a second one', async () => {
    const payId = await stack.api.secpaidLink(2000);
    await stack.api.fault({ provider: 'secpaid', endpoint: 'refund', kind: 'commit-then-drop', times: 1 });
    const req = request(payId, 1500, false);
    await stack.refunds.start(req);
    const state = await stateWhen(stack.refunds, req.refundId, (s) => s.status === 'PENDING_REVIEW', 'PENDING_REVIEW');
    expect(state.needsAttention).toBe(false);
    await stack.api.call('POST', `/_sandbox/secpaid/refunds/${payId}/approve`, {});
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    expect(await stack.api.ledger('secpaid', payId)).toEqual([expect.objectContaining({ amountMinor: 1500 })]);
  });

  it('rides out 429s and 5xx from SecPaid', async () => {
    const payId = await stack.api.secpaidLink(1000);
    await stack.api.fault({ provider: 'secpaid', endpoint: 'refund', kind: 'rate-limit', times: 2 });
    await stack.api.fault({ provider: 'secpaid', endpoint: 'transactions', kind: 'http-error', status: 503, times: 2 });
    const req = request(payId, 1000);
    await stack.refunds.start(req);
    await stateWhen(stack.refunds, req.refundId, (s) => s.status === 'PENDING_REVIEW', 'PENDING_REVIEW');
    await stack.api.call('POST', `/_sandbox/secpaid/refunds/${payId}/approve`, {});
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
  });

  it.each([
    ['a disputed link', { dispute: true }, 1000, 'RefundBlockedByDispute', 'Refund blocked by dispute'],
    ['more than was paid', {}, 1001, 'InvalidRefundAmount', 'Invalid refund amount'],
    ['a cancelled link', { status: 'Cancelled' }, 1000, 'RefundDeclined', 'Link is cancelled'],
  ])("fails for %s with SecPaid's message", async (_what, link, amountMinor, type, message) => {
    const payId = await stack.api.secpaidLink(1000, link);
    const req = request(payId, amountMinor, false);
    await stack.refunds.start(req);
    const outcome = await stack.refunds.waitForOutcome(req.refundId);
    expect(outcome).toMatchObject({ status: 'FAILED', failure: { type, providerCode: '0', providerMessage: message } });
  });

  it('raises NeedsAttention when the review SLA passes (a rejection never shows), and ends by resolve', async () => {
    // 14 days of review in ~3 s of dev-server time; polls stay within the task queue's rate limit.
    const fast = await stack.refundsAt(0.0000025);
    const payId = await stack.api.secpaidLink(800);
    const req = request(payId, 800);
    await fast.start(req);
    await stateWhen(fast, req.refundId, (s) => s.status === 'PENDING_REVIEW', 'PENDING_REVIEW');
    await stack.api.call('POST', `/_sandbox/secpaid/refunds/${payId}/reject`, { reason: 'not eligible' });
    const stuck = await stateWhen(fast, req.refundId, (s) => s.needsAttention, 'NeedsAttention after the SLA');
    expect(stuck.status).toBe('PENDING_REVIEW');
    expect(stuck.attentionReason).toMatch(/review SLA/);

    await fast.resolve(req.refundId, {
      outcome: 'FAILED',
      reason: 'SecPaid support: rejected on review',
      by: 'ops@merchant',
    });
    const outcome = await fast.waitForOutcome(req.refundId);
    expect(outcome).toMatchObject({ status: 'FAILED', failure: { type: 'ResolvedByOperator' } });
    const state = await fast.get(req.refundId);
    // SecPaid never says "rejected": the reservation stays, and a watch keeps reading (rule 5).
    expect(state.needsAttention).toBe(false);
    expect(state.paymentGuard).toMatch(/may still hold the refund: its reservation is kept/);
    expect(state.transitions.at(-1)).toMatchObject({ to: 'FAILED', by: 'ops@merchant' });
    const guard = await stack.client.workflow
      .getHandle(paymentGuardWorkflowId('secpaid', payId))
      .query(guardStateQuery);
    expect(guard.reserved).toEqual({ [req.refundId]: 800 });
    const watch = await stack.client.workflow.getHandle(refundWatchWorkflowId(req.refundId)).describe();
    expect(watch.status.name).toBe('RUNNING');
    await stack.client.workflow.getHandle(refundWatchWorkflowId(req.refundId)).terminate('test over');
    expect(await stack.api.ledger('secpaid', payId)).toHaveLength(0);
    await recordHistory(stack.client, req.refundId, 'secpaid-review-sla-resolved');
  });
});
