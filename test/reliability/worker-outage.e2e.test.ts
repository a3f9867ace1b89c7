import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

import { providerActivities } from '../../src/activities';
import { SECPAID_TASK_QUEUE_SUFFIX } from '../../src/providers/secpaid/profile';
import { eventually, quietLogger, startTestStack, stateWhen, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * A worker outage is not an unknown outcome: nothing was sent while no worker ran, so the
 * submission waits in its queue and is sent when a worker is back. Before, the submit's
 * schedule-to-close (SecPaid: a day, plus two start-to-closes) ran out in the queue, and the refund
 * took the unknown-outcome path: PENDING_REVIEW though SecPaid never had it. The submission as the
 * server scheduled it has no timeout that runs while it waits in the queue, so no outage is long
 * enough to end it; waiting out a window that no longer exists would only cost the suite a minute.
 * (Temporal's time-skipping server does not move its clock while an activity waits for a worker,
 * so days of outage cannot be skipped there.)
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

it("an outage of SecPaid's worker: the submission has no timeout in the queue, and is sent once a worker is back", async () => {
  const workers = stack.workers!;
  const secpaidQueue = workers.providerQueues.get(SECPAID_TASK_QUEUE_SUFFIX)!;
  secpaidQueue.shutdown();
  await eventually(async () => (secpaidQueue.getState() === 'STOPPED' ? true : undefined), 'the worker stops');

  const payId = await stack.api.secpaidLink(2_500);
  const refundId = uniqueRefundId('outage');
  const amount = { amountMinor: 2_500, currency: 'EUR' };
  await stack.refunds.start({ provider: 'secpaid', refundId, paymentId: payId, amount, full: true });
  await stateWhen(stack.refunds, refundId, (s) => s.status === 'SUBMITTING', 'the submission is queued');
  const scheduled = (await stack.client.workflow.getHandle(`refund-${refundId}`).fetchHistory()).events?.find(
    (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
  )?.activityTaskScheduledEventAttributes;
  expect(scheduled?.activityType?.name).toBe('secpaidSubmitRefund');
  // Zero: no timeout while it waits for a worker (schedule-to-start) or in all (schedule-to-close).
  const ms = (d: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
    Number(d?.seconds ?? 0) * 1000 + (d?.nanos ?? 0) / 1e6;
  expect(ms(scheduled?.scheduleToStartTimeout)).toBe(0);
  expect(ms(scheduled?.scheduleToCloseTimeout)).toBe(0);
  await new Promise((r) => setTimeout(r, 5_000));
  expect(await stack.refunds.get(refundId)).toMatchObject({ status: 'SUBMITTING', needsAttention: false });
  expect(stack.sandbox.requestCount('secpaid', 'refund')).toBe(0);

  const secpaid = await Worker.create({
    connection: workers.main.options.connection!,
    namespace: stack.config.temporal.namespace,
    taskQueue: `${stack.taskQueue}-${SECPAID_TASK_QUEUE_SUFFIX}`,
    activities: providerActivities(
      { providers: stack.config.providers, logger: quietLogger(), client: stack.client },
      SECPAID_TASK_QUEUE_SUFFIX
    ),
  });
  const running = secpaid.run();
  try {
    await stateWhen(stack.refunds, refundId, (s) => s.status === 'PENDING_REVIEW', 'SecPaid has it', 30_000);
    expect(stack.sandbox.requestCount('secpaid', 'refund')).toBe(1);
    await stack.api.call('POST', `/_sandbox/secpaid/refunds/${payId}/approve`);
    expect((await stack.refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');
    expect(stack.sandbox.ledger.list({ provider: 'secpaid', paymentId: payId })).toHaveLength(1);
  } finally {
    secpaid.shutdown();
    await running;
  }
}, 90_000);
