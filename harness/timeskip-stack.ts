import { TestWorkflowEnvironment } from '@temporalio/testing';

import { refundPolicySettings } from '../src/activities/refund-policy';
import { RefundsClient } from '../src/client';
import { loadConfig } from '../src/config';
import type { Config } from '../src/config';
import { ensureTimeSkippingServer } from '../src/dev/test-server';
import type { Logger } from '../src/logger';
import { sandboxProviderEnv } from '../src/providers/settings';
import { buildSandbox } from '../src/sandbox/server';
import type { Sandbox } from '../src/sandbox/server';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { registerSearchAttributes } from '../src/temporal/search-attributes';
import { createRefundWorkers } from '../src/worker';
import type { RefundWorkers } from '../src/worker';

/**
 * Temporal's time-skipping test server, the provider sandbox and a refund worker with production
 * defaults (time scale 1; SecPaid's reconciler once a day unless `settings` say otherwise): days of
 * a refund's life pass in seconds, and every provider call is a real HTTP request to the sandbox.
 */
export interface TimeSkipStack {
  readonly env: TestWorkflowEnvironment;
  readonly sandbox: Sandbox;
  readonly refunds: RefundsClient;
  readonly workers: RefundWorkers;
  /** What the workers were built from, for a test that starts one of its own. */
  readonly deps: { readonly config: Config; readonly taskQueue: string; readonly logger: Logger };
  /** A sandbox control call (`/_sandbox/...`), in process. */
  control(method: 'GET' | 'POST' | 'PUT', url: string, payload?: object): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Temporal's time-skipping test server (the one Maven Central serves), with the refund search
 * attributes that a refund's start sets registered.
 */
export async function startTimeSkippingEnv(logger: Logger): Promise<TestWorkflowEnvironment> {
  installTemporalRuntime(logger);
  const env = await startTestServer(logger);
  try {
    await registerSearchAttributes(env.client.connection.operatorService, 'default');
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return env;
}

/** Starts of the JVM that may run out of the SDK's fixed connect window before one is given up. */
const SERVER_START_ATTEMPTS = 3;

/**
 * The SDK gives the server's JVM a fixed 5 s to accept connections (sdk-core's ephemeral server
 * start) and says "did not start within"; with test files starting side by side on two cores a
 * cold JVM can take longer. That one failure is retried; any other is not.
 */
async function startTestServer(logger: Logger): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: ensureTimeSkippingServer() } },
      });
    } catch (err) {
      if (attempt >= SERVER_START_ATTEMPTS || !/did not start within/.test(String(err))) throw err;
      logger.warn({ attempt }, 'the time-skipping server did not accept connections in time: starting it again');
    }
  }
}

export async function startTimeSkipStack(
  logger: Logger,
  workflowBundle: string,
  /** Settings beyond production's defaults (e.g. PAYMENT_GUARD_QUIET_WINDOW_MS). */
  settings: Readonly<Record<string, string>> = {}
): Promise<TimeSkipStack> {
  const env = await startTimeSkippingEnv(logger);
  let sandbox: Sandbox | undefined;
  try {
    sandbox = await buildSandbox();
    await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
    // Skipped time packs days of calls into real seconds; SecPaid's and SandPay's per-minute limits
    // are real time. (The limits and the task queue's rate limit are tested against the dev server.)
    for (const provider of ['secpaid', 'sandpay']) {
      await sandbox.app.inject({
        method: 'PUT',
        url: `/_sandbox/${provider}/settings`,
        payload: { rateLimitPerMinute: 1_000_000 },
      });
    }
  } catch (err) {
    await sandbox?.app.close();
    await env.teardown();
    throw err;
  }
  const box = sandbox;
  const taskQueue = 'refunds-timeskip';
  const config = loadConfig({
    NODE_ENV: 'test',
    ...sandboxProviderEnv(box.url()),
    // SecPaid's reconciler passes once a day unless a test asks for more: its production 5 minutes
    // would be most of a 90-day test's time (a pass is a page read and two timers).
    SECPAID_RECONCILE_INTERVAL_MS: String(24 * 3_600_000),
    ...settings,
  });
  const workers = await createRefundWorkers({
    connection: env.nativeConnection,
    client: env.client,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: workflowBundle },
    providers: config.providers,
    callbacks: config.callbacks,
    policy: refundPolicySettings(config),
    paymentGuard: config.paymentGuard,
    logger,
  });
  const running = workers.run();
  return {
    env,
    sandbox: box,
    refunds: new RefundsClient(env.client, { taskQueue }),
    workers,
    deps: { config, taskQueue, logger },
    async control(method, url, payload) {
      const res = await box.app.inject({ method, url, ...(payload !== undefined && { payload }) });
      if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`);
      return res.json();
    },
    async close() {
      workers.shutdown();
      await running;
      await box.app.close();
      await env.teardown();
    },
  };
}
