import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

import { RefundsClient } from '../../src/client';
import { paymentGuardWorkflowId } from '../../src/contract';
import type { PaymentGuardState } from '../../src/refunds/payment-guard';
import type { paymentGuard } from '../../src/workflows';
import { loadConfig } from '../../src/config';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { Logger } from '../../src/logger';
import { buildSandbox } from '../../src/sandbox/server';
import type { Sandbox, SandboxOptions } from '../../src/sandbox/server';
import { clientChannelArgs, clientInterceptors } from '../../src/temporal/connection';
import { dataConverterFor } from '../../src/temporal/encryption-codec';
import { installTemporalRuntime } from '../../src/temporal/runtime';
import { refundPolicySettings } from '../../src/activities/refund-policy';
import { createRefundWorkers } from '../../src/worker';
import type { RefundWorkers } from '../../src/worker';

import { workerEnv } from '../../harness/processes';
import { SandboxApi } from '../../harness/sandbox-api';
import { suiteLogDestination } from './suite-log';

/**
 * One test file's slice of the real stack: the shared dev server from the global setup, a provider
 * sandbox of its own (in process, free port, fresh state), and a worker on a task queue of its own,
 * so test files never take each other's tasks.
 */
export interface TestStack {
  readonly client: Client;
  readonly api: SandboxApi;
  readonly refunds: RefundsClient;
  readonly sandbox: Sandbox;
  readonly sandboxUrl: string;
  readonly taskQueue: string;
  readonly config: Config;
  /** The in-process workers (none with `worker: false`). */
  readonly workers: RefundWorkers | undefined;
  /**
   * A client whose refunds run at another time scale: on a task queue of their own, served by
   * workers of this process configured with it (the time scale is a worker's setting), against
   * the same sandbox. Started on first use; stopped with the stack.
   */
  refundsAt(timeScale: number): Promise<RefundsClient>;
  stop(): Promise<void>;
}

/** The time scale of a test stack's workers unless told otherwise: a day of waiting in ~9 s. */
export const TEST_TIME_SCALE = 0.0001;

export const temporalAddress = (): string => {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEST_TEMPORAL_ADDRESS is not set: run the tests with `npm test`');
  return address;
};

/**
 * The suite's logger: nothing on the console, everything (debug and up) in the suite's log folder,
 * where the global teardown scans it for secrets.
 */
export const quietLogger = (): Logger =>
  createLogger({
    level: process.env.TEST_LOG_LEVEL ?? 'debug',
    pretty: false,
    destination: suiteLogDestination('jest'),
  });

export interface TestStackOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /** The workers' REFUND_TIME_SCALE (default {@link TEST_TIME_SCALE}); 1 runs production's waits. */
  readonly timeScale?: number;
  /** `false`: no worker in this process (the test runs worker processes of its own). */
  readonly worker?: boolean;
  /** Another Temporal server than the suite's (a test that restarts its own). */
  readonly temporalAddress?: string;
  /** The sandbox's options, e.g. `{ strictDocs: true }`. */
  readonly sandbox?: SandboxOptions;
  /** Another workflow bundle than the suite's (a test that registers a provider of its own). */
  readonly workflowBundle?: string;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const logger = options.logger ?? quietLogger();
  installTemporalRuntime(logger);
  const sandbox = await buildSandbox(options.sandbox);
  await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  const sandboxUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  const taskQueue = `refunds-test-${randomUUID()}`;
  const env: NodeJS.ProcessEnv = {
    ...workerEnv({
      temporalAddress: options.temporalAddress ?? temporalAddress(),
      taskQueue,
      sandboxUrl,
      timeScale: options.timeScale ?? TEST_TIME_SCALE,
    }),
    ...options.env,
  };
  const config = loadConfig(env);

  const workerConnection = await NativeConnection.connect({ address: config.temporal.address });
  const connection = await Connection.connect({
    address: config.temporal.address,
    channelArgs: clientChannelArgs,
    interceptors: clientInterceptors,
  });
  const dataConverter = dataConverterFor(config.temporal.encryptionKeys);
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    ...(dataConverter && { dataConverter }),
  });
  /** Every worker set this stack runs, with its run (which ends once it is shut down). */
  const running = new Map<RefundWorkers, Promise<void>>();
  const serve = async (queue: string, settings: Config): Promise<RefundWorkers> => {
    const workers = await createRefundWorkers({
      connection: workerConnection,
      client,
      namespace: settings.temporal.namespace,
      taskQueue: queue,
      workflowBundle: { codePath: options.workflowBundle ?? process.env.TEST_WORKFLOW_BUNDLE ?? '' },
      ...(dataConverter && { dataConverter }),
      providers: settings.providers,
      callbacks: settings.callbacks,
      policy: refundPolicySettings(settings),
      paymentGuard: settings.paymentGuard,
      logger,
    });
    running.set(workers, workers.run());
    return workers;
  };
  const workers = (options.worker ?? true) ? await serve(taskQueue, config) : undefined;
  const scaled = new Map<number, Promise<RefundsClient>>();
  const stopped = { now: false };
  const refundsAt = async (timeScale: number): Promise<RefundsClient> => {
    if (stopped.now) throw new Error('refundsAt: the stack is stopping');
    const known = scaled.get(timeScale);
    if (known) return await known;
    // The stack's configuration with the other scale, checked as a worker process checks its own.
    const settings = loadConfig({ ...env, REFUND_TIME_SCALE: String(timeScale) });
    const queue = `${taskQueue}-scale-${String(timeScale).replace('.', '_')}`;
    const started = serve(queue, settings).then(() => new RefundsClient(client, { taskQueue: queue }));
    scaled.set(timeScale, started);
    return await started;
  };

  return {
    client,
    api: new SandboxApi(sandboxUrl),
    refunds: new RefundsClient(client, { taskQueue }),
    sandbox,
    sandboxUrl,
    taskQueue,
    config,
    workers,
    refundsAt,
    async stop() {
      stopped.now = true;
      await Promise.allSettled(scaled.values());
      for (const set of running.keys()) set.shutdown();
      // Every worker ends before the connections close, even when one of them failed.
      const ran = await Promise.allSettled(running.values());
      await Promise.all([workerConnection.close(), connection.close(), sandbox.app.close()]);
      const failed = ran.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

export { eventually, stateWhen, uniqueRefundId } from '../../harness/waits';

/** Where `startUnservedGuard` puts a guard: a task queue no worker polls until a test starts one. */
export const unservedGuardQueue = (stack: TestStack): string => `${stack.taskQueue}-unserved`;

/** A payment's guard, empty, on a queue no worker serves: its refunds' guard calls wait on it. */
export function startUnservedGuard(stack: TestStack, provider: string, paymentId: string) {
  const initial: PaymentGuardState = {
    provider,
    paymentId,
    currency: null,
    paymentAmountMinor: null,
    reserved: {},
    committed: {},
  };
  return stack.client.workflow.start<typeof paymentGuard>('paymentGuard', {
    workflowId: paymentGuardWorkflowId(provider, paymentId),
    taskQueue: unservedGuardQueue(stack),
    args: [initial],
  });
}
