import { randomUUID } from 'node:crypto';

import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';

import { refundPolicySettings } from '../../src/activities/refund-policy';
import { refundWorkflowId } from '../../src/contract';
import { createRefundWorkers } from '../../src/worker';
import { quietLogger, startTestStack, startUnservedGuard, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';

const { EventType } = temporal.api.enums.v1;

/**
 * A guard call given up because its worker shuts down (`WorkerStopping`) fails the refund's
 * workflow task, so that nothing of it is recorded and the next worker makes the call again. The
 * SDK hands a local activity's failure to the workflow as it was thrown, not wrapped in an
 * ActivityFailure, and the refund looked only for the wrapped one: it took the shutdown for a
 * guard that does not answer, raised NeedsAttention and slept (found while building the in-task
 * request, which relies on the same check).
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

it('a guard call given up by a stopping worker fails the workflow task: no attention, no sleep', async () => {
  const connection = await NativeConnection.connect({ address: stack.config.temporal.address });
  const stopping = new AbortController();
  stopping.abort();
  const taskQueue = `refunds-stopping-${randomUUID()}`;
  const workers = await createRefundWorkers({
    connection,
    client: stack.client,
    namespace: stack.config.temporal.namespace,
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE ?? '' },
    providers: stack.config.providers,
    callbacks: stack.config.callbacks,
    policy: refundPolicySettings(stack.config),
    paymentGuard: stack.config.paymentGuard,
    logger: quietLogger(),
    // This worker is shutting down from the start: each guard call gives up 2 s after it began.
    workerStopping: stopping.signal,
  });
  const running = workers.run();
  const refundId = uniqueRefundId('stopping');
  const handle = stack.client.workflow.getHandle(refundWorkflowId(refundId));
  try {
    const paymentId = await stack.api.sandpayCollection(500);
    // A guard no worker serves: the reservation waits until the call gives up.
    await startUnservedGuard(stack, 'sandpay', paymentId);
    await stack.client.workflow.start('refund', {
      taskQueue,
      workflowId: refundWorkflowId(refundId),
      args: [{ provider: 'sandpay', refundId, paymentId, amount: { amountMinor: 500, currency: 'XOF' } }],
    });
    const failedTask = async (): Promise<boolean> => {
      const events = (await handle.fetchHistory()).events ?? [];
      return events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    };
    const until = Date.now() + 20_000;
    while (!(await failedTask()) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    const events = (await handle.fetchHistory()).events ?? [];
    const types = events.map((e) => e.eventType);
    expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    // Nothing of the call is recorded: no marker, no attention, no timer.
    expect(types).not.toContain(EventType.EVENT_TYPE_TIMER_STARTED);
    const upserted = events.flatMap((e) =>
      Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {})
    );
    expect(upserted).not.toContain('NeedsAttention');
  } finally {
    await handle.terminate('test over').catch(() => undefined);
    workers.shutdown();
    await running;
    await connection.close();
  }
}, 60_000);
