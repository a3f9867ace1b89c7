import { randomUUID } from 'node:crypto';

import { temporal } from '@temporalio/proto';
import { MockActivityEnvironment } from '@temporalio/testing';

import { providerActivities } from '../../src/activities';
import { paymentGuardUpdater } from '../../src/activities/payment-guard';
import { createSubmitInTaskActivities } from '../../src/activities/submit-in-task';
import type { ReserveAndSubmitResult } from '../../src/activities/submit-in-task';
import { refundWorkflowId } from '../../src/contract';
import { parseRefundRequest } from '../../src/providers';
import type { ProviderName } from '../../src/providers';
import { paymentAndRefund } from '../../harness/payments';
import { quietLogger, startTestStack } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * A synchronous provider's reservation and first request go in one local activity of the refund's
 * first workflow task (src/activities/submit-in-task.ts). Its marker is recorded only when that
 * task completes, so a worker that dies after the request left makes the next worker run the task,
 * and the activity, again: the guard's word that a reservation is new (`fresh`) is what keeps that
 * second run from sending. The worker-crash test kills real workers there; these check the rule
 * and the shape of the history.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const { EventType } = temporal.api.enums.v1;

const ledger = (provider: ProviderName, paymentId: string) => stack.sandbox.ledger.list({ provider, paymentId });

it.each(['openpayd', 'paymentoptions'] as const)(
  '%s: the happy path is one workflow task, no activity task, 11 events',
  async (provider) => {
    const request = await paymentAndRefund(stack.api, provider, 1_200, `in-task-${provider}`);
    await stack.refunds.start(request);
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    const history = await stack.client.workflow.getHandle(refundWorkflowId(request.refundId)).fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toHaveLength(1);
    expect(types).not.toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(types).toHaveLength(11);
    expect(ledger(provider, request.paymentId)).toHaveLength(1);
  }
);

it('a second run of the activity for the same refund run sends nothing: the guard says the reservation was taken', async () => {
  const input = await paymentAndRefund(stack.api, 'openpayd', 700, 'in-task-twice');
  const request = parseRefundRequest(input);
  const submits = providerActivities(
    { providers: stack.config.providers, logger: quietLogger(), client: stack.client },
    undefined
  );
  const activities = createSubmitInTaskActivities({
    update: paymentGuardUpdater({ client: stack.client }),
    submits,
  });
  const runId = randomUUID();
  // The same refund run, its first workflow task run twice (by two workers): the same local activity.
  const asTask = () =>
    new MockActivityEnvironment({
      activityId: '2',
      activityType: 'reserveAndSubmitRefund',
      isLocal: true,
      taskQueue: stack.taskQueue,
      workflowExecution: { workflowId: refundWorkflowId(request.refundId), runId },
    });
  const call = {
    guard: { provider: 'openpayd', paymentId: request.paymentId },
    reserve: {
      refundId: request.refundId,
      amountMinor: request.amount.amountMinor,
      currency: request.amount.currency,
      paymentAmountMinor: null,
      runId,
    },
    submit: { request, submission: 1 },
  };
  const reserveAndSubmitRefund = (input: typeof call) => activities.reserveAndSubmitRefund(input);
  const first: ReserveAndSubmitResult = await asTask().run(reserveAndSubmitRefund, call);
  expect(first.reservation).toMatchObject({ accepted: true, fresh: true });
  expect(first.sent).toMatchObject({ kind: 'succeeded' });
  expect(ledger('openpayd', request.paymentId)).toHaveLength(1);

  const again = await asTask().run(reserveAndSubmitRefund, call);
  expect(again).toEqual({ reservation: expect.objectContaining({ accepted: true, fresh: false }) });
  expect(ledger('openpayd', request.paymentId)).toHaveLength(1);
});

it('REFUND_SUBMIT_IN_TASK=false: the request is an activity of its own, as before', async () => {
  const off = await startTestStack({ env: { REFUND_SUBMIT_IN_TASK: 'false' } });
  try {
    const request = await paymentAndRefund(off.api, 'openpayd', 900, 'in-task-off');
    await off.refunds.start(request);
    expect((await off.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    const history = await off.client.workflow.getHandle(refundWorkflowId(request.refundId)).fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(types.filter((t) => t === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).toHaveLength(2);
    expect(off.sandbox.ledger.list({ provider: 'openpayd', paymentId: request.paymentId })).toHaveLength(1);
  } finally {
    await off.stop();
  }
});
