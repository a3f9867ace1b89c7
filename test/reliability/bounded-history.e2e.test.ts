import { PaymentIdKey, RefundStatusKey } from '../../src/contract';
import { MAX_RUN_EVENTS } from '../../src/workflows/refund/continuation';
import { recordHistory, runsOf } from '../support/histories';
import { paymentAndRefund } from '../../harness/payments';
import { eventually, startTestStack, stateWhen } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * A refund's history stays bounded however much is sent to it: past MAX_RUN_EVENTS it continues as
 * new, between commands, carrying its record, what it was told and where it was.
 */
let stack: TestStack;
beforeAll(async () => {
  // XOF refunds above 1,000 wait for approval (the GetPaid refund below is in EUR).
  stack = await startTestStack({ env: { APPROVAL_THRESHOLDS: 'XOF:1000' } });
});
afterAll(() => stack?.stop());

/** Sends `total` signals in batches of 50, each batch taken by the workflow before the next. */
async function paced(refundId: string, total: number, send: (i: number) => Promise<void>): Promise<void> {
  for (let sent = 0; sent < total; sent += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => send(sent + i)));
    await eventually(async () => ((await workflowTaskPending(refundId)) ? undefined : true), 'signals taken');
  }
}

async function workflowTaskPending(refundId: string): Promise<boolean> {
  const described = await stack.client.workflowService.describeWorkflowExecution({
    namespace: 'default',
    execution: { workflowId: `refund-${refundId}` },
  });
  return described.pendingWorkflowTask !== null && described.pendingWorkflowTask !== undefined;
}

it('10,000 provider events to one GetPaid refund: every run stays under 10,000 events, and the refund ends right', async () => {
  const request = await paymentAndRefund(stack.api, 'getpaid', 700, 'flood');
  await stack.refunds.start(request);
  const pending = await stateWhen(
    stack.refunds,
    request.refundId,
    (s) => s.status === 'PENDING_PROVIDER',
    'GetPaid holds it'
  );

  // Each a distinct event id (duplicates are dropped without a read), 50 at once, each 50 taken by
  // the workflow before the next: a flood faster than its workflow tasks would meet Temporal's
  // limit of buffered events, which fails the task in flight (the API sends a refund at most one
  // event signal per 2 s for that reason).
  const total = 10_000;
  for (let sent = 0; sent < total; sent += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        stack.refunds.deliverProviderEvent(request.refundId, { eventId: `evt_${sent + i}`, type: 'refund.updated' })
      )
    );
    await eventually(async () => ((await workflowTaskPending(request.refundId)) ? undefined : true), 'events taken');
  }
  await stack.api.call('POST', `/_sandbox/getpaid/refunds/${pending.providerRefundId}/complete`);
  const outcome = await stack.refunds.waitForOutcome(request.refundId);
  expect(outcome).toMatchObject({ status: 'SUCCEEDED', providerRefundId: pending.providerRefundId });
  expect(stack.sandbox.ledger.list({ provider: 'getpaid', paymentId: request.paymentId })).toHaveLength(1);

  const runs = await runsOf(stack.client, `refund-${request.refundId}`);
  expect(runs.length).toBeGreaterThan(1);
  for (const run of runs) expect(run.events).toBeLessThan(10_000);
  // Continued when the history was long, not event by event: when the server suggested it (at
  // about 4,000 events by default) or at MAX_RUN_EVENTS, whichever came first.
  for (const run of runs.slice(1)) expect(run.events).toBeGreaterThanOrEqual(Math.min(4_000, MAX_RUN_EVENTS));
  // The record came through every run: one PENDING_PROVIDER, then SUCCEEDED.
  const state = await stack.refunds.get(request.refundId);
  expect(state.transitions.map((t) => t.to)).toEqual(['RECEIVED', 'SUBMITTING', 'PENDING_PROVIDER', 'SUCCEEDED']);
  // Operators still find it: the search attributes came with it.
  const described = await stack.client.workflow.getHandle(`refund-${request.refundId}`).describe();
  expect(described.typedSearchAttributes.get(PaymentIdKey)).toBe(request.paymentId);
  expect(described.typedSearchAttributes.get(RefundStatusKey)).toBe('SUCCEEDED');
}, 300_000);

it('a refund waiting for approval under a flood of signals continues as new, still waiting, and goes on when approved', async () => {
  const request = await paymentAndRefund(stack.api, 'sandpay', 5_000, 'approval-flood');
  await stack.refunds.start(request);
  await stateWhen(stack.refunds, request.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'waiting for approval');
  const handle = stack.client.workflow.getHandle(`refund-${request.refundId}`);
  const { runId: firstRun } = await handle.describe();
  // Escalate signals, each taken (it raises NeedsAttention) and each in history: past the server's
  // suggestion (about 4,100 events here) the refund continues as new.
  await paced(request.refundId, 4_100, (i) =>
    handle.signal('escalate', { reason: `still waiting ${i}`, by: 'monitor' })
  );
  await eventually(async () => ((await handle.describe()).runId !== firstRun ? true : undefined), 'a new run');
  const waiting = await stack.refunds.get(request.refundId);
  expect(waiting).toMatchObject({ status: 'AWAITING_APPROVAL', needsAttention: true });

  expect(await stack.refunds.approve(request.refundId, { reason: 'checked', by: 'ops' })).toMatchObject({
    accepted: true,
  });
  expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
  expect(stack.sandbox.ledger.list({ provider: 'sandpay', paymentId: request.paymentId })).toHaveLength(1);
  const runs = await runsOf(stack.client, `refund-${request.refundId}`);
  expect(runs.length).toBeGreaterThan(1);
  for (const run of runs) expect(run.events).toBeLessThan(10_000);
  // The latest run: it began with the carried state, then passed the gate.
  await recordHistory(stack.client, request.refundId, 'sandpay-approved-after-continue-as-new');
}, 300_000);
