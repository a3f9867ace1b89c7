import { paymentGuardWorkflowId, reconcilerStateQuery, secpaidReconcilerWorkflowId } from '../src/contract';
import type { RefundRequestInput } from '../src/providers';

import { recordHistory, recordWorkflowHistory } from './support/histories';
import { eventually, startTestStack, stateWhen, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';
import { SECPAID_TOKEN_REFUSED } from '../harness/sandbox-api';

/**
 * SecPaid's reconciler on the dev server, as every worker starts it (the suite passes every 2 s:
 * `SECPAID_RECONCILE_INTERVAL_MS` 1 s at half of the queue's rate).
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const reads = () => stack.api.secpaidReads();
/** Waits until visibility shows the reconciler's `NeedsAttention` as `value`. */
const attentionOnReconciler = (value: boolean): Promise<true> => {
  const query = `WorkflowId = '${secpaidReconcilerWorkflowId(stack.taskQueue)}' AND NeedsAttention = ${value}`;
  return eventually(
    async () => ((await stack.client.workflow.count(query)).count === 1 ? true : undefined),
    `NeedsAttention ${value} on the reconciler`
  );
};
const reconciler = () => stack.client.workflow.getHandle(secpaidReconcilerWorkflowId(stack.taskQueue));
/** Waits until visibility shows the refund's `ReconcilerStalled` as `value` (the reconciler's "back" finds it by it). */
const markedStalled = (refundId: string, value: boolean): Promise<true> =>
  eventually(
    async () =>
      (await stack.client.workflow.count(`WorkflowId = 'refund-${refundId}' AND ReconcilerStalled = ${value}`))
        .count === 1
        ? true
        : undefined,
    `ReconcilerStalled ${value} on ${refundId}`
  );

const request = (paymentId: string, amountMinor: number): RefundRequestInput => ({
  provider: 'secpaid',
  refundId: uniqueRefundId('rec'),
  paymentId,
  amount: { amountMinor, currency: 'EUR' },
  full: true,
});

describe('SecPaid reconciler', () => {
  it('wakes exactly the refund whose link has an approved refund row; the others wait without a read of their own', async () => {
    const waiting: RefundRequestInput[] = [];
    for (let i = 0; i < 5; i += 1) {
      const req = request(await stack.api.secpaidLink(1000 + i), 1000 + i);
      waiting.push(req);
      await stack.refunds.start(req);
    }
    for (const req of waiting)
      await stateWhen(stack.refunds, req.refundId, (s) => s.status === 'PENDING_REVIEW', 'PENDING_REVIEW');
    const before = await reads();
    const [approved, ...others] = waiting as [RefundRequestInput, ...RefundRequestInput[]];
    await stack.api.call('POST', `/_sandbox/secpaid/refunds/${approved.paymentId}/approve`, {});
    expect((await stack.refunds.waitForOutcome(approved.refundId)).status).toBe('SUCCEEDED');
    const after = await reads();
    // The approved refund read its own link once, when woken; nobody else read theirs.
    expect((after.byPayId[approved.paymentId] ?? 0) - (before.byPayId[approved.paymentId] ?? 0)).toBe(1);
    for (const req of others) expect(after.byPayId[req.paymentId] ?? 0).toBe(0);
    expect(after.pages).toBeGreaterThan(before.pages);
    for (const req of others) expect((await stack.refunds.get(req.refundId)).status).toBe('PENDING_REVIEW');
    const state = await reconciler().query(reconcilerStateQuery);
    expect(state).toMatchObject({ failedPassesInARow: 0, stalledSince: null });
    expect(state.lastCompletePass).toMatchObject({ error: null });
    const refund = await stack.refunds.get(others[0]!.refundId);
    expect(refund.waitingFor).toMatch(/reconciler reads the account's transactions/);
    await recordHistory(stack.client, approved.refundId, 'secpaid-woken-by-reconciler');
    await recordWorkflowHistory(
      stack.client,
      paymentGuardWorkflowId('secpaid', approved.paymentId),
      'guard-secpaid-passed-a-refund-row-on'
    );
  });

  it('a refund row of another amount wakes the refund, and a person is asked; no refund is taken for approved', async () => {
    const req = request(await stack.api.secpaidLink(3000), 2500);
    await stack.refunds.start({ ...req, full: false });
    await stateWhen(stack.refunds, req.refundId, (s) => s.status === 'PENDING_REVIEW', 'PENDING_REVIEW');
    // Someone else's refund row of the link, of another amount, after our request.
    await stack.api.fault({
      provider: 'secpaid',
      endpoint: 'transactions',
      kind: 'read-error',
      status: 200,
      body: {
        ResponseCode: 1,
        ResponseMsg: 'ok',
        Result: 'True',
        ServerTime: 'CET',
        data: [
          {
            pay_id: req.paymentId,
            transaction_id: '20991231-pi-0000000042',
            amount: '-10.00',
            transaction_type: 'Refund',
            is_refund: 'true',
            created_at: '2099-12-31 23:00:00',
          },
        ],
      },
    });
    try {
      const asked = await stateWhen(stack.refunds, req.refundId, (s) => s.needsAttention, 'attention', 60_000);
      expect(asked.status).toBe('PENDING_REVIEW');
      expect(asked.attentionReason).toMatch(/not the 25\.00 requested/);
    } finally {
      await stack.api.call('DELETE', '/_sandbox/faults');
    }
  }, 90_000);

  it('stalls after three failed passes: NeedsAttention on the reconciler and on each refund in review, cleared by the next complete pass', async () => {
    const waiting = request(await stack.api.secpaidLink(4000), 4000);
    await stack.refunds.start(waiting);
    await stateWhen(stack.refunds, waiting.refundId, (s) => s.status === 'PENDING_REVIEW', 'PENDING_REVIEW');
    // The reconciler's pages (limit 1,000) fail; a refund's own read (limit 200) would not.
    await stack.api.fault({
      provider: 'secpaid',
      endpoint: 'transactions',
      kind: 'read-error',
      status: 200,
      body: SECPAID_TOKEN_REFUSED,
      match: { limit: 1000 },
    });
    try {
      const stalled = await eventually(
        async () => {
          const s = await reconciler().query(reconcilerStateQuery);
          return s.stalledSince !== null ? s : undefined;
        },
        'the reconciler stalled',
        90_000
      );
      expect(stalled.failedPassesInARow).toBeGreaterThanOrEqual(3);
      expect(stalled.lastPass?.error).toMatch(/Incorrect token or missing token/);
      await attentionOnReconciler(true);
      const asked = await stateWhen(stack.refunds, waiting.refundId, (s) => s.needsAttention, 'attention', 60_000);
      expect(asked.status).toBe('PENDING_REVIEW');
      expect(asked.attentionReason).toMatch(
        /^reconciler stalled: since \S+ the secpaid reconciler reads nothing for this refund/
      );
      expect(asked.attentionReason).toMatch(/Incorrect token or missing token/);
      await markedStalled(waiting.refundId, true);
    } finally {
      await stack.api.call('DELETE', '/_sandbox/faults');
    }
    await eventually(
      async () => ((await reconciler().query(reconcilerStateQuery)).stalledSince === null ? true : undefined),
      'the reconciler back',
      30_000
    );
    await attentionOnReconciler(false);
    const back = await stateWhen(
      stack.refunds,
      waiting.refundId,
      (s) => !s.needsAttention,
      'attention cleared',
      60_000
    );
    expect(back.status).toBe('PENDING_REVIEW');
    await markedStalled(waiting.refundId, false);
    await recordHistory(stack.client, waiting.refundId, 'secpaid-asked-while-reconciler-stalled');
    await recordWorkflowHistory(
      stack.client,
      secpaidReconcilerWorkflowId(stack.taskQueue),
      'reconciler-stalled-and-back'
    );
  }, 210_000);
});
