import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

import { RefundsClient } from '../../src/client';
import { paymentGuardWorkflowId } from '../../src/contract';
import type { PaymentGuardState } from '../../src/refunds/payment-guard';
import type { paymentGuard } from '../../src/workflows';
import type { RefundsClientOptions } from '../../src/client';
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
  stop(): Promise<void>;
}

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
  readonly clientOptions?: Omit<RefundsClientOptions, 'taskQueue'>;
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
  const config = loadConfig({
    ...workerEnv({ temporalAddress: options.temporalAddress ?? temporalAddress(), taskQueue, sandboxUrl }),
    ...options.env,
  });

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
  const workers = await ((options.worker ?? true) ? createRefundWorkers : noWorkers)({
    connection: workerConnection,
    client,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: { codePath: options.workflowBundle ?? process.env.TEST_WORKFLOW_BUNDLE ?? '' },
    ...(dataConverter && { dataConverter }),
    providers: config.providers,
    callbacks: config.callbacks,
    policy: refundPolicySettings(config),
    paymentGuard: config.paymentGuard,
    logger,
  });
  const running = workers?.run();

  return {
    client,
    api: new SandboxApi(sandboxUrl),
    refunds: new RefundsClient(client, { taskQueue, timeScale: 0.0001, ...options.clientOptions }),
    sandbox,
    sandboxUrl,
    taskQueue,
    config,
    workers,
    async stop() {
      workers?.shutdown();
      await running;
      await Promise.all([workerConnection.close(), connection.close(), sandbox.app.close()]);
    },
  };
}

const noWorkers = (): Promise<RefundWorkers | undefined> => Promise.resolve(undefined);

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
