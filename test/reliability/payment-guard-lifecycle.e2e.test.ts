import { randomUUID } from 'node:crypto';

import {
  guardStateQuery,
  handoverUpdate,
  paymentGuardResumeWorkflowId,
  paymentGuardWorkflowId,
} from '../../src/contract';
import type { PaymentGuardState } from '../../src/refunds/payment-guard';
import { recordWorkflowHistory, resetToFirstWorkflowTask } from '../support/histories';
import { eventually, startTestStack, stateWhen, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * A payment's guard is open only while its refunds talk to it: after a quiet window (a second
 * here) it completes with its ledger as its result, and the next call starts its next run from
 * that ledger. Closing forgets nothing: an over-refund, a re-run and a leaked reservation are all
 * still known after the guard closed.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { PAYMENT_GUARD_QUIET_WINDOW_MS: '1000' } });
});
afterAll(() => stack?.stop());

const xof = (amountMinor: number) => ({ amountMinor, currency: 'XOF' });
const ledgerTotal = (provider: string, paymentId: string) =>
  stack.sandbox.ledger.list({ provider, paymentId }).reduce((sum, e) => sum + e.amountMinor, 0);

async function guardClosed(provider: string, paymentId: string): Promise<PaymentGuardState> {
  const handle = stack.client.workflow.getHandle(paymentGuardWorkflowId(provider, paymentId));
  await eventually(
    async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined),
    'the guard completes after its quiet window',
    20_000
  );
  return (await handle.result()) as PaymentGuardState;
}

async function sandpayRefund(paymentId: string, amountMinor: number, paymentAmountMinor: number) {
  const refundId = uniqueRefundId('quiet');
  await stack.refunds.start({
    provider: 'sandpay',
    refundId,
    paymentId,
    amount: xof(amountMinor),
    paymentAmount: xof(paymentAmountMinor),
  });
  return { refundId, outcome: await stack.refunds.waitForOutcome(refundId) };
}

it('closes when quiet, with its ledger as its result; an over-refund after it closed is still refused', async () => {
  const paymentId = await stack.api.sandpayCollection(1_000);
  const first = await sandpayRefund(paymentId, 600, 1_000);
  expect(first.outcome.status).toBe('SUCCEEDED');
  const closed = await guardClosed('sandpay', paymentId);
  expect(closed.reserved).toEqual({ [first.refundId]: 600 });
  const guardId = paymentGuardWorkflowId('sandpay', paymentId);
  await recordWorkflowHistory(stack.client, guardId, 'guard-closed-when-quiet');

  const over = await sandpayRefund(paymentId, 600, 1_000);
  expect(over.outcome.failure?.type).toBe('ExceedsRefundable');
  const rest = await sandpayRefund(paymentId, 400, 1_000);
  expect(rest.outcome.status).toBe('SUCCEEDED');
  expect(ledgerTotal('sandpay', paymentId)).toBe(1_000);
  const state = await stack.client.workflow
    .getHandle(paymentGuardWorkflowId('sandpay', paymentId))
    .query(guardStateQuery);
  expect(state.reserved).toEqual({ [first.refundId]: 600, [rest.refundId]: 400 });
  expect(state.resumedFrom?.length).toBeGreaterThanOrEqual(1);
  await recordWorkflowHistory(stack.client, guardId, 'guard-resumed-from-ledger');
});

it('resumes a closed guard once, however many refunds find it closed at the same moment', async () => {
  const paymentId = await stack.api.sandpayCollection(1_000);
  expect((await sandpayRefund(paymentId, 400, 1_000)).outcome.status).toBe('SUCCEEDED');
  await guardClosed('sandpay', paymentId);
  const { runId: closedRun } = await stack.client.workflow
    .getHandle(paymentGuardWorkflowId('sandpay', paymentId))
    .describe();

  const outcomes = await Promise.all([1, 2, 3, 4].map(() => sandpayRefund(paymentId, 300, 1_000)));
  // 400 + 300 + 300 fit in 1000; the other two are refused before SandPay.
  expect(outcomes.filter((r) => r.outcome.status === 'SUCCEEDED')).toHaveLength(2);
  expect(outcomes.filter((r) => r.outcome.failure?.type === 'ExceedsRefundable')).toHaveLength(2);
  expect(ledgerTotal('sandpay', paymentId)).toBe(1_000);
  const resume = await stack.client.workflow
    .getHandle(paymentGuardResumeWorkflowId(paymentGuardWorkflowId('sandpay', paymentId), closedRun))
    .describe();
  expect(resume.status.name).toBe('COMPLETED');
  await recordWorkflowHistory(
    stack.client,
    paymentGuardResumeWorkflowId(paymentGuardWorkflowId('sandpay', paymentId), closedRun),
    'guard-resume'
  );
});

it('a re-run of a SUCCEEDED refund after its guard closed refunds nothing again: a person is asked', async () => {
  const paymentId = await stack.api.sandpayCollection(1_000);
  const { refundId, outcome } = await sandpayRefund(paymentId, 700, 1_000);
  expect(outcome.status).toBe('SUCCEEDED');
  await guardClosed('sandpay', paymentId);

  await resetToFirstWorkflowTask(stack.client, `refund-${refundId}`);
  const rerun = await stateWhen(stack.refunds, refundId, (s) => s.needsAttention, 'the re-run asks a person');
  expect(rerun.paymentGuard).toMatch(/may not reach the provider again/);
  expect(rerun.attempts).toHaveLength(0);
  expect(ledgerTotal('sandpay', paymentId)).toBe(700);
});

it("an operator releases a terminated refund's reservation after the guard closed; the release is recorded", async () => {
  const payId = await stack.api.secpaidLink(5_000);
  const refundId = uniqueRefundId('leak');
  const amount = { amountMinor: 5_000, currency: 'EUR' };
  await stack.refunds.start({ provider: 'secpaid', refundId, paymentId: payId, amount, paymentAmount: amount });
  await stateWhen(stack.refunds, refundId, (s) => s.status === 'PENDING_REVIEW', 'SecPaid reviews it');
  await stack.client.workflow.getHandle(`refund-${refundId}`).terminate('by mistake');
  expect((await guardClosed('secpaid', payId)).reserved).toEqual({ [refundId]: 5_000 });

  const release = await stack.refunds.releaseReservation('secpaid', payId, refundId, {
    reason: 'refund terminated by mistake; SecPaid request withdrawn',
    by: 'ops',
  });
  expect(release).toMatchObject({ refundId, amountMinor: 5_000, by: 'ops' });
  const state = await stack.refunds.payment('secpaid', payId);
  expect(state.reserved).toEqual({});
  expect(state.released).toEqual({ [refundId]: 5_000 });
  expect(state.operatorReleases?.[0]).toMatchObject({ refundId, reason: expect.stringMatching(/withdrawn/) });
});

it('stays open past its quiet window while a refund holding a reservation still runs, and closes once it has ended', async () => {
  const payId = await stack.api.secpaidLink(3_000);
  const refundId = uniqueRefundId('open');
  const amount = { amountMinor: 3_000, currency: 'EUR' };
  await stack.refunds.start({ provider: 'secpaid', refundId, paymentId: payId, amount, paymentAmount: amount });
  await stateWhen(stack.refunds, refundId, (s) => s.status === 'PENDING_REVIEW', 'SecPaid reviews it');
  const handle = stack.client.workflow.getHandle(paymentGuardWorkflowId('secpaid', payId));
  // Three quiet windows: the refund is still waiting, so its guard stays open.
  await new Promise((r) => setTimeout(r, 3_000));
  expect((await handle.describe()).status.name).toBe('RUNNING');
  await stack.api.call('POST', `/_sandbox/secpaid/refunds/${payId}/approve`);
  expect((await stack.refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');
  expect((await guardClosed('secpaid', payId)).reserved).toEqual({ [refundId]: 3_000 });
});

it('hands a refund over to its next run only from the run it knows: a reset of a continued run is refused', async () => {
  const paymentId = `handover-${randomUUID()}`;
  const guard = await stack.client.workflow.start('paymentGuard', {
    workflowId: paymentGuardWorkflowId('sandpay', paymentId),
    taskQueue: `${stack.taskQueue}-guard`,
    args: [
      {
        provider: 'sandpay',
        paymentId,
        currency: 'XOF',
        paymentAmountMinor: 1_000,
        reserved: { r1: 1_000 },
        committed: {},
        runs: { r1: 'run-1' },
      },
    ],
  });
  const handover = (fromRunId: string, runId: string) =>
    guard.executeUpdate(handoverUpdate, { args: [{ refundId: 'r1', fromRunId, runId }] });
  expect(await handover('run-1', 'run-2')).toEqual({ accepted: true });
  expect(await handover('run-1', 'run-2')).toEqual({ accepted: true }); // the same call again
  // A reset of run 2 starts from run 2's input, which continued run 1: run 2 holds the refund now.
  expect(await handover('run-1', 'run-2-reset')).toMatchObject({
    accepted: false,
    reason: expect.stringMatching(/is run by run-2/),
  });
  expect(await handover('run-2', 'run-3')).toEqual({ accepted: true });
  expect((await guard.query(guardStateQuery)).runs).toEqual({ r1: 'run-3' });
  await guard.terminate('test over');
});
