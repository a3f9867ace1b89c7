import { randomUUID } from 'node:crypto';

import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import { createCallbackActivities } from '../src/activities/completion-callback';
import {
  createGuardWorkerActivities,
  createPaymentGuardActivities,
  paymentGuardUpdater,
} from '../src/activities/payment-guard';
import { createSubmitInTaskActivities } from '../src/activities/submit-in-task';
import { createRefundPolicyActivities, refundPolicySettings } from '../src/activities/refund-policy';
import type { RefundPolicySettings } from '../src/activities/refund-policy';
import { RefundsClient } from '../src/client';
import { loadConfig } from '../src/config';
import type { Logger } from '../src/logger';
import { profileOf, providerNames } from '../src/providers';
import { PAYMENT_GUARD_TASK_QUEUE_SUFFIX, refundWorkflowId } from '../src/contract';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../src/refunds/provider-outcome';
import { taskQueueSuffixesOf } from '../src/refunds/provider-profile';

import { startTimeSkippingEnv } from './timeskip-stack';

/**
 * Temporal's time-skipping test server running the real workflow bundle (refund, payment guard,
 * watch, callback) with the real guard, policy and callback activities, and FAKE provider
 * activities whose answers each test scripts. No HTTP and no sandbox: what a provider answers is
 * the test's to choose, so a long path (days of review, a float topped up, a lost answer) is set
 * up in a line and crossed in seconds of real time. The refunds run at time scale 1: the workers'
 * configuration sets no REFUND_TIME_SCALE, so every wait is the production one.
 *
 * createRefundWorkers is not used because it wires the real provider adapters; the three workers
 * here mirror its queues (`<queue>`, `<queue>-secpaid`, `<queue>-guard`) with fakes in their place.
 */

/** One call of a fake provider activity, as the server dispatched it. */
export interface FakeCall<I> {
  readonly input: I;
  /** The activity's attempt (1 for the first; retries of a pending poll count up). */
  readonly attempt: number;
  /**
   * When the attempt ran, in the test server's skipped time (epoch ms): the refund's own clock,
   * unlike Date.now() in an activity, which is real time. Asked of the server, because the Java
   * test server stamps a retry's `currentAttemptScheduledTimestampMs` with the time the attempt
   * before it failed, not the time it runs.
   */
  readonly atMs: number;
}

/** What a fake provider answers for one refund. Throw to fail, as a real adapter would. */
export interface ProviderScript {
  submit(call: FakeCall<SubmitInput>): SubmitOutcome | Promise<SubmitOutcome>;
  poll(call: FakeCall<PollInput>): PollOutcome | Promise<PollOutcome>;
}

/** Every call a refund's fakes saw, in order. */
export interface FakeCallLog {
  readonly submits: readonly FakeCall<SubmitInput>[];
  readonly polls: readonly FakeCall<PollInput>[];
}

interface Scripted {
  readonly script: ProviderScript;
  readonly submits: FakeCall<SubmitInput>[];
  readonly polls: FakeCall<PollInput>[];
}

/** The fakes' scripts, one per refund (by workflow id), so tests sharing the workers never mix. */
export class FakeProviders {
  private readonly scripts = new Map<string, Scripted>();

  /** `now`: the test server's time (it does not skip while an activity runs). */
  constructor(private readonly now: () => Promise<number>) {}

  /** Scripts the provider for one refund; the returned log fills as its activities are called. */
  script(refundId: string, script: ProviderScript): FakeCallLog {
    const scripted: Scripted = { script, submits: [], polls: [] };
    this.scripts.set(refundWorkflowId(refundId), scripted);
    return scripted;
  }

  async submit(input: SubmitInput): Promise<SubmitOutcome> {
    const { scripted, call } = await this.take(input, undefined);
    // Recorded before the script runs, so a call that throws is counted too.
    scripted.submits.push(call);
    return scripted.script.submit(call);
  }

  async poll(input: PollInput): Promise<PollOutcome> {
    // The watch after an operator's FAILED reads for the refund's workflow, not its own.
    const { scripted, call } = await this.take(input, input.refundWorkflowId);
    scripted.polls.push(call);
    return scripted.script.poll(call);
  }

  private async take<I>(
    input: I,
    forWorkflowId: string | undefined
  ): Promise<{ scripted: Scripted; call: FakeCall<I> }> {
    const info = Context.current().info;
    const workflowId = forWorkflowId ?? info.workflowExecution?.workflowId ?? '';
    const scripted = this.scripts.get(workflowId);
    if (scripted === undefined) {
      // Loud and final: a refund the test did not script must not wait on retries.
      throw ApplicationFailure.nonRetryable(`no fake provider scripted for ${workflowId}`, 'FakeNotScripted');
    }
    return {
      scripted,
      call: { input, attempt: info.attempt, atMs: await this.now() },
    };
  }
}

type FakeActivity = ((input: SubmitInput) => Promise<SubmitOutcome>) | ((input: PollInput) => Promise<PollOutcome>);

/**
 * The fakes under the names the workflow calls (`<provider>SubmitRefund`, `<provider>PollRefund`),
 * grouped by the task queue suffix of each provider's profile (`''` for the main queue), as the
 * workflow places them (src/workflows/refund/provider-calls.ts): SecPaid's on `<queue>-secpaid` (and
 * `<queue>-secpaid-reads`, where a read after a wake goes).
 */
function fakeActivitiesByQueue(fakes: FakeProviders): Record<string, Record<string, FakeActivity>> {
  const byQueue: Record<string, Record<string, FakeActivity>> = {};
  for (const name of providerNames) {
    const queues = taskQueueSuffixesOf(profileOf(name));
    for (const suffix of queues.length > 0 ? queues : ['']) {
      const activities = (byQueue[suffix] ??= {});
      activities[`${name}SubmitRefund`] = (input: SubmitInput) => fakes.submit(input);
      activities[`${name}PollRefund`] = (input: PollInput) => fakes.poll(input);
    }
  }
  return byQueue;
}

export interface FakeProviderStackOptions {
  /** APPROVAL_THRESHOLDS, e.g. `EUR:100000`: the worker's configuration, as in production. */
  readonly approvalThresholds?: string;
}

export interface FakeProviderStack {
  readonly env: TestWorkflowEnvironment;
  /** Its workers run at time scale 1: every wait of the workflow is its production length. */
  readonly refunds: RefundsClient;
  readonly fakes: FakeProviders;
  /** What the policy activity answers from (thresholds, and the approval deadline). */
  readonly policy: RefundPolicySettings;
  readonly taskQueue: string;
  close(): Promise<void>;
}

export async function startFakeProviderStack(
  logger: Logger,
  workflowBundle: string,
  options: FakeProviderStackOptions = {}
): Promise<FakeProviderStack> {
  if (workflowBundle === '')
    throw new Error('no workflow bundle: run the tests with jest (its global setup builds it)');
  const env = await startTimeSkippingEnv(logger);
  const workers: Worker[] = [];
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      ...(options.approvalThresholds !== undefined && { APPROVAL_THRESHOLDS: options.approvalThresholds }),
    });
    const policy = refundPolicySettings(config);
    const fakes = new FakeProviders(() => env.currentTimeMs());
    const taskQueue = `refunds-fakes-${randomUUID()}`;
    const connection = env.nativeConnection;
    const bundle = { codePath: workflowBundle };
    const { '': mainQueueFakes = {}, ...ownQueues } = fakeActivitiesByQueue(fakes);
    const guard = { client: env.client, quietWindowMs: config.paymentGuard.quietWindowMs };
    workers.push(
      await Worker.create({
        connection,
        namespace: 'default',
        taskQueue,
        workflowBundle: bundle,
        activities: {
          ...createPaymentGuardActivities(guard),
          // A synchronous provider's reservation and request in one task: the real guard, the fake's request.
          ...createSubmitInTaskActivities({ update: paymentGuardUpdater(guard), submits: mainQueueFakes }),
          ...createRefundPolicyActivities(policy),
          ...createCallbackActivities({ ...config.callbacks, logger }),
          ...mainQueueFakes,
        },
      })
    );
    // The payment guards' own queue, with their real workflow and activity: a refund's reservation
    // is the real guard's answer, not a fake's.
    workers.push(
      await Worker.create({
        connection,
        namespace: 'default',
        taskQueue: `${taskQueue}-${PAYMENT_GUARD_TASK_QUEUE_SUFFIX}`,
        workflowBundle: bundle,
        activities: createGuardWorkerActivities({ client: env.client }),
      })
    );
    // A provider's own queue (SecPaid's) runs only its activities, as in production.
    for (const [suffix, activities] of Object.entries(ownQueues)) {
      workers.push(
        await Worker.create({ connection, namespace: 'default', taskQueue: `${taskQueue}-${suffix}`, activities })
      );
    }
    const running = Promise.all(workers.map((w) => w.run()));
    // A worker that fails before close() is reported there; until then it must not crash the process.
    void running.catch(() => undefined);
    return {
      env,
      refunds: new RefundsClient(env.client, { taskQueue }),
      fakes,
      policy,
      taskQueue,
      async close() {
        for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
        try {
          await running;
        } finally {
          await env.teardown();
        }
      },
    };
  } catch (err) {
    // A worker created but never run still holds the connection: run it to an immediate stop first.
    await Promise.allSettled(workers.map((w) => w.runUntil(Promise.resolve())));
    await env.teardown();
    throw err;
  }
}
