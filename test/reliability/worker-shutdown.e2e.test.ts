import { readFileSync } from 'node:fs';

import { NativeConnection, Worker } from '@temporalio/worker';

import { createGuardWorkerActivities } from '../../src/activities/payment-guard';
import { startWorkerProcess } from '../../harness/processes';
import {
  eventually,
  startTestStack,
  startUnservedGuard,
  stateWhen,
  uniqueRefundId,
  unservedGuardQueue,
} from '../support/stack';
import type { TestStack } from '../support/stack';
import { suiteLogFile } from '../support/suite-log';

/**
 * A deploy: SIGTERM to a worker process while 210 refunds are in flight, 100 of them waiting in a
 * local activity on a payment guard no worker serves, 10 SecPaid submissions held by the rate
 * limit. The process exits well within its grace (30 s), says in its log what was in flight, and
 * every refund then completes on another worker, each paid exactly once. The guard calls give up
 * 2 s after SIGTERM: before, they held the drain 27 s (and, before the guard calls could be abandoned at
 * all, the worker was still running two minutes after SIGTERM).
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ worker: false });
});
afterAll(() => stack?.stop());

const SHUTDOWN_BOUND_S = 35;
/** What the drain may take when nothing waits on a provider: the SandPay calls in flight finish. */
const DRAIN_S = 10;

it('a worker stops within its grace on SIGTERM, and its refunds complete on the next one, each paid once', async () => {
  const options = {
    temporalAddress: process.env.TEST_TEMPORAL_ADDRESS!,
    taskQueue: stack.taskQueue,
    sandboxUrl: stack.sandboxUrl,
    timeScale: stack.config.timeScale,
  };
  const first = await startWorkerProcess({
    name: 'shutdown-first',
    logFile: suiteLogFile('shutdown-first'),
    ...options,
  });
  // Started 16 at a time: one by one, the setup alone took a minute.
  type Started = { refundId: string; provider: string; paymentId: string };
  const startOne = async (i: number): Promise<Started> => {
    if (i >= 10) {
      // The first 10 are SecPaid, queued behind its rate limit; 100 SandPay run as usual; the last
      // 100 wait on a guard no worker serves, started last so that their guard calls are still
      // under way at SIGTERM.
      const waitsOnGuard = i >= 110;
      const amount = { amountMinor: waitsOnGuard ? 500 : 700, currency: 'XOF' };
      const paymentId = await stack.api.sandpayCollection(amount.amountMinor);
      if (waitsOnGuard) await startUnservedGuard(stack, 'sandpay', paymentId);
      const refundId = uniqueRefundId(waitsOnGuard ? 'stop-guard' : 'stop-sandpay');
      await stack.refunds.start({ provider: 'sandpay', refundId, paymentId, amount });
      return { refundId, provider: 'sandpay', paymentId };
    }
    const paymentId = await stack.api.secpaidLink(999);
    const refundId = uniqueRefundId('stop-secpaid');
    await stack.refunds.start({
      provider: 'secpaid',
      refundId,
      paymentId,
      amount: { amountMinor: 999, currency: 'EUR' },
      full: true,
    });
    return { refundId, provider: 'secpaid', paymentId };
  };
  const started: Started[] = new Array<Started>(210);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < started.length; i = next++) started[i] = await startOne(i);
    })
  );
  // SIGTERM once the guard waits are under way: some have given up once and ask for attention, and
  // each tries again at once, so guard calls are in flight when the shutdown begins. (Counted in
  // visibility: a query waits for the workflow task, which the guard call holds open.)
  await eventually(
    async () => {
      const { count } = await stack.client.workflow.count(
        `TaskQueue = '${stack.taskQueue}' AND WorkflowId STARTS_WITH 'refund-stop-guard' AND NeedsAttention = true`
      );
      return count >= 10 || undefined;
    },
    'guard waits asking for attention',
    120_000
  );

  const at = Date.now();
  // A second SIGTERM (an impatient operator, a supervisor that repeats itself) is said in the log
  // and changes nothing; before, it killed the process mid-drain.
  const again = setTimeout(() => first.child.kill('SIGTERM'), 200);
  const exit = await Promise.race([
    first.kill('SIGTERM'),
    new Promise((r) => setTimeout(() => r('still running'), (SHUTDOWN_BOUND_S + 30) * 1000)),
  ]);
  clearTimeout(again);
  const seconds = (Date.now() - at) / 1000;
  process.stdout.write(`worker SIGTERM to exit: ${seconds.toFixed(1)} s (${String(exit)})\n`);
  first.child.kill('SIGKILL');
  expect(exit).toBe(0);
  expect(seconds).toBeLessThanOrEqual(DRAIN_S);
  // Its log says what the shutdown began with, and that nothing was abandoned.
  const messages = readFileSync(suiteLogFile('shutdown-first'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string; inFlight?: { byType: Record<string, number> } });
  const begun = messages.find((m) => m.msg.startsWith('shutting down (SIGTERM)'));
  // Where the time went: each worker's state changes (its queue) after the shutdown began.
  process.stdout.write(
    `${messages
      .filter((m) => m.msg === 'Worker state changed')
      .map((m) => {
        const { time, taskQueue, state } = m as unknown as { time: number; taskQueue: string; state: string };
        return `  ${((time - at) / 1000).toFixed(1)} s: ${taskQueue.replace(stack.taskQueue, '<queue>')} ${state}`;
      })
      .join('\n')}\n`
  );
  expect(Object.keys(begun?.inFlight?.byType ?? {}).length).toBeGreaterThan(0);
  expect(messages.map((m) => m.msg)).toContain('worker stopped');
  expect(messages.map((m) => m.msg)).toContainEqual(
    expect.stringMatching(/^SIGTERM while already shutting down \(SIGTERM\)/)
  );
  expect(messages.filter((m) => /shutdown bound reached|did not return in time/.test(m.msg))).toEqual([]);

  // The next worker, and now a worker for the guards that had none: every refund goes on.
  const second = await startWorkerProcess({
    name: 'shutdown-second',
    logFile: suiteLogFile('shutdown-second'),
    ...options,
  });
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const guardWorker = await Worker.create({
    connection,
    taskQueue: unservedGuardQueue(stack),
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    activities: createGuardWorkerActivities({ client: stack.client }),
  });
  const guardsRunning = guardWorker.run();
  try {
    for (const refund of started.filter((r) => r.provider === 'secpaid')) {
      await stateWhen(stack.refunds, refund.refundId, (s) => s.status === 'PENDING_REVIEW', 'SecPaid has it', 60_000);
      await stack.api.call('POST', `/_sandbox/secpaid/refunds/${refund.paymentId}/approve`);
    }
    await Promise.all(
      started.map(async (refund) => {
        const outcome = await eventually(
          async () => {
            const state = await stack.refunds.get(refund.refundId);
            return state.status === 'SUCCEEDED' ? state : undefined;
          },
          `${refund.refundId} SUCCEEDED`,
          120_000
        );
        expect(outcome.needsAttention).toBe(false);
        expect(await stack.api.ledger(refund.provider, refund.paymentId)).toHaveLength(1);
      })
    );
  } finally {
    guardWorker.shutdown();
    await guardsRunning;
    await connection.close();
    await second.kill('SIGTERM');
  }
}, 600_000);
