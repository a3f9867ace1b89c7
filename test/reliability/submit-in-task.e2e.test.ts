import { randomUUID } from 'node:crypto';

import type { IncomingMessage } from 'node:http';

import { temporal } from '@temporalio/proto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker } from '@temporalio/worker';

import { providerActivities } from '../../src/activities';
import { paymentGuardUpdater } from '../../src/activities/payment-guard';
import { createSubmitInTaskActivities } from '../../src/activities/submit-in-task';
import type { ReserveAndSubmitResult } from '../../src/activities/submit-in-task';
import { guardStateQuery, refundWorkflowId } from '../../src/contract';
import { parseRefundRequest } from '../../src/providers';
import type { ProviderName } from '../../src/providers';
import { paymentAndRefund } from '../../harness/payments';
import { startWorkerProcess } from '../../harness/processes';
import type { WorkerProcess } from '../../harness/processes';
import { recordHistory } from '../support/histories';
import { suiteLogFile } from '../support/suite-log';
import {
  eventually,
  quietLogger,
  startTestStack,
  startUnservedGuard,
  stateWhen,
  temporalAddress,
  unservedGuardQueue,
} from '../support/stack';
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
  // Off by default (a worker of an older version could send a died first task's request again).
  stack = await startTestStack({ env: { REFUND_SUBMIT_IN_TASK: 'true' } });
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

it('a cancel while the guard does not answer the reservation is honoured: nothing was sent, the reservation is freed', async () => {
  const request = await paymentAndRefund(stack.api, 'openpayd', 900, 'cancel-in-task');
  // The payment's guard is slow: it runs where no worker serves it, until it is replaced. The
  // reservation's local activity gives up on it, so nothing is sent; the refund asks again.
  const slowGuard = await startUnservedGuard(stack, 'openpayd', request.paymentId);
  await stack.refunds.start(request);
  await stateWhen(
    stack.refunds,
    request.refundId,
    (s) => s.waitingFor?.includes("payment's guard") === true,
    'waiting for the payment guard after the local activity gave up on it',
    // The first workflow task holds the local activity's 5 s and the guard calls' first minute (5 s here).
    45_000
  );
  // Before: refused, "the refund has been sent to openpayd", though nothing was.
  const answer = await stack.refunds.cancel(request.refundId, { reason: 'customer withdrew', by: 'ops' });
  expect(answer).toMatchObject({ accepted: true });
  const connection = await NativeConnection.connect({ address: stack.config.temporal.address });
  const guardWorker = await Worker.create({
    connection,
    taskQueue: unservedGuardQueue(stack),
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE ?? '' },
  });
  const running = guardWorker.run();
  try {
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('CANCELLED');
    expect(ledger('openpayd', request.paymentId)).toHaveLength(0);
    expect(await slowGuard.query(guardStateQuery)).toMatchObject({
      reserved: {},
      released: { [request.refundId]: 900 },
    });
    await recordHistory(stack.client, request.refundId, 'openpayd-cancelled-while-guard-unanswered');
  } finally {
    guardWorker.shutdown();
    await running;
    await connection.close();
  }
}, 90_000);

describe('a first task that died after sending, taken over by a worker that sends from an activity', () => {
  let bare: TestStack;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    bare = await startTestStack({ worker: false });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await bare?.stop();
  });
  const startWorker = async (name: string, submitInTask: boolean): Promise<WorkerProcess> => {
    const worker = await startWorkerProcess({
      name: `in-task-${name}`,
      logFile: suiteLogFile(`in-task-${name}`),
      temporalAddress: temporalAddress(),
      taskQueue: bare.taskQueue,
      timeScale: bare.config.timeScale,
      sandboxUrl: bare.sandboxUrl,
      env: { REFUND_SUBMIT_IN_TASK: String(submitInTask) },
    });
    workers.push(worker);
    return worker;
  };

  it('PaymentOptions: the request is not sent again (the guard says an earlier try took the reservation); a person is asked', async () => {
    const request = await paymentAndRefund(bare.api, 'paymentoptions', 1_100, 'in-task-takeover');
    const inTask = await startWorker('sends', true);
    // The provider holds the request 1.5 s, then books it; the worker dies while it waits, before
    // its first workflow task completes: history holds no record of the request.
    await bare.api.fault({ provider: 'paymentoptions', endpoint: 'refund', kind: 'slow', delayMs: 1_500, times: 1 });
    const arrived = new Promise<void>((resolve) => {
      const listener = (req: IncomingMessage): void => {
        if (
          req.method === 'POST' &&
          /^\/paymentoptions\/api\/v1\/server-to-server-interface\/refund/.test(req.url ?? '')
        ) {
          bare.sandbox.app.server.off('request', listener);
          resolve();
        }
      };
      bare.sandbox.app.server.on('request', listener);
    });
    await bare.refunds.start(request);
    await arrived;
    expect(await inTask.kill('SIGKILL')).toBe('SIGKILL');
    const booked = () => bare.sandbox.ledger.list({ provider: 'paymentoptions', paymentId: request.paymentId });
    await eventually(async () => (booked().length === 1 ? true : undefined), 'the held request booked', 10_000);

    // Its REFUND_SUBMIT_IN_TASK off (a worker rolled back to it, or an older one): it runs the task
    // again and reserves from its own local activity. Before, it then sent the request a second time.
    await startWorker('activity', false);
    // (The dead worker held the guard in its cache: its guard calls may first go unanswered a while.)
    const state = await stateWhen(
      bare.refunds,
      request.refundId,
      (s) => s.attentionReason?.includes('earlier attempt') === true || s.attempts.some((a) => a.step === 'submit'),
      'a person asked about the earlier attempt, or a request sent',
      60_000
    );
    expect(state.attentionReason).toMatch(/earlier attempt may have sent/);
    expect(booked()).toHaveLength(1);
    await bare.refunds.resolve(request.refundId, {
      outcome: 'SUCCEEDED',
      reason: 'back office shows the refund',
      by: 'ops@example.com',
    });
    expect((await bare.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    expect(booked()).toHaveLength(1);
    await recordHistory(bare.client, request.refundId, 'paymentoptions-in-task-send-taken-over');
  }, 120_000);
});
