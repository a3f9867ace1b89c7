import { GracefulShutdownPeriodExpiredError, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { BundleOptions, NativeConnection, WorkerOptions } from '@temporalio/worker';

import { createActivities, providerActivities, providerTaskQueueSuffixes } from './activities';
import type { ActivityDeps } from './activities';
import { createGuardWorkerActivities } from './activities/payment-guard';
import { refundPolicySettings } from './activities/refund-policy';
import { loadConfig } from './config';
import type { WorkerTuning } from './config';
import { stopWhenSupervisorExits } from './dev/supervised';
import { createLogger } from './logger';
import { everyProfile, profileOf } from './providers';
import { taskQueueSuffixesOf } from './refunds/provider-profile';
import { everyAdapter, settingsOf } from './providers/settings';
import { PAYMENT_GUARD_TASK_QUEUE_SUFFIX, REFUNDS_TASK_QUEUE } from './contract';
import { connectClient } from './temporal/connection';
import { connectWorker } from './temporal/worker-connection';
import { dataConverterFor } from './temporal/encryption-codec';
import { InFlightActivities } from './temporal/in-flight-activities';
import { installTemporalRuntime } from './temporal/runtime';
import { boundShutdown } from './temporal/shutdown-bound';

export interface RefundWorkerOptions extends ActivityDeps {
  readonly connection: NativeConnection;
  readonly namespace: string;
  /** The main task queue (default `refunds`); tests use one of their own. */
  readonly taskQueue?: string;
  /** A prebuilt bundle (tests, production); without it the workflows are bundled at start. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
  /** Payload encryption, the same as the clients'. */
  readonly dataConverter?: WorkerOptions['dataConverter'];
  /** Cache, slots, pollers and V8 context of the workflow workers (WORKER_* settings). */
  readonly tuning?: WorkerTuning;
  /** On shutdown, what activities in flight get to finish (WORKER_SHUTDOWN_GRACE_MS); 30 s by default. */
  readonly shutdownGraceMs?: number;
  /** Keeps the activities every worker of the process runs, for a shutdown to report. */
  readonly inFlight?: InFlightActivities;
}

/** Between two tries to start the providers' own workflows (SecPaid's reconciler) while the server refuses. */
const ENSURE_RETRY_MS = 30_000;
/** And between two checks once started: a reconciler an operator terminated is back within this. */
const ENSURE_EVERY_MS = 10 * 60_000;

/**
 * On shutdown (SIGTERM, a deploy) activities in flight get this long to finish, then are cancelled;
 * a cancelled provider call is retried elsewhere, and settles by a status read, never a blind resend.
 * Longer than a provider call's timeout (10 s by default).
 */
const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

/**
 * After the grace, cancelled activities get this long to return before the SDK gives up on them
 * (`shutdownForceTime`, GracefulShutdownPeriodExpiredError): within the process's bound of grace +
 * SHUTDOWN_BOUND_MARGIN_MS, so that `run()` ends and the process says so itself.
 */
const FORCE_AFTER_GRACE_MS = 3_000;

/**
 * Every attempt's provider calls must end (their timeouts) before its start-to-close does: an
 * attempt the server has given up on must not still have a request in flight when the next one
 * reads or sends.
 */
export function checkCallTimeouts(providers: ActivityDeps['providers']): void {
  for (const { name, profile } of everyProfile()) {
    const { timeoutMs } = settingsOf(providers, name);
    if (timeoutMs * profile.callsPerAttempt >= profile.submit.startToCloseMs) {
      throw new Error(
        `${name}: ${profile.callsPerAttempt} call(s) of ${timeoutMs} ms do not fit an attempt's start-to-close of ${profile.submit.startToCloseMs} ms: lower the provider timeout`
      );
    }
  }
}

/** The bundler's report (webpack's module list) as debug lines of the worker's log, not plain text beside it. */
function bundlerLogger(logger: RefundWorkerOptions['logger']): NonNullable<BundleOptions['logger']> {
  const bundler = logger.child({ component: 'workflow-bundler' });
  const at =
    (level: 'trace' | 'debug' | 'warn' | 'error') =>
    (message: string, meta?: Record<string, unknown>): void =>
      bundler[level](meta ?? {}, message);
  return {
    log: (level, message, meta) =>
      bundler[level === 'WARN' ? 'warn' : level === 'ERROR' ? 'error' : 'debug'](meta ?? {}, message),
    trace: at('trace'),
    debug: at('debug'),
    info: at('debug'),
    warn: at('warn'),
    error: at('error'),
  };
}

/** The workers of one worker process; run and stop them together. */
export interface RefundWorkers {
  readonly main: Worker;
  readonly guard: Worker;
  /** The workers of providers' own task queues, by queue suffix (`secpaid`). */
  readonly providerQueues: ReadonlyMap<string, Worker>;
  /** Runs every worker until all have stopped; `onFailure` hears of the first that fails (the others are then stopped). */
  run(onFailure?: (err: unknown) => void): Promise<void>;
  shutdown(): void;
}

/**
 * The refund worker process: the refund workflow and the providers' activities on `refunds`, the
 * payment guards on `refunds-guard`, and each provider whose profile names a queue of its own
 * (SecPaid) on `refunds-<suffix>`, whose `maxTaskQueueActivitiesPerSecond` (its adapter's
 * `queueRateLimit`) is enforced by the server across every worker, so that all of them together
 * stay under SecPaid's 60 requests a minute (each SecPaid activity attempt is one request).
 */
export async function createRefundWorkers(options: RefundWorkerOptions): Promise<RefundWorkers> {
  checkCallTimeouts(options.providers);
  const deps = {
    providers: options.providers,
    logger: options.logger,
    client: options.client,
    callbacks: options.callbacks,
    policy: options.policy,
    ...(options.paymentGuard && { paymentGuard: options.paymentGuard }),
    ...(options.workerStopping && { workerStopping: options.workerStopping }),
  };
  const taskQueue = options.taskQueue ?? REFUNDS_TASK_QUEUE;
  // Bundled once for both workflow workers when no prebuilt bundle is given.
  const workflowBundle = options.workflowBundle ?? {
    code: (
      await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: bundlerLogger(options.logger) })
    ).code,
  };
  const tuning = options.tuning ?? {};
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  // Every worker of the process: the same bounds, and its activities counted for the shutdown's log.
  const stopping = {
    shutdownGraceTime: graceMs,
    shutdownForceTime: graceMs + FORCE_AFTER_GRACE_MS,
    ...(options.inFlight && { interceptors: { activity: [options.inFlight.interceptor] } }),
  };
  const main = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue,
    workflowBundle,
    ...tuning,
    ...stopping,
    activities: createActivities(deps),
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
  });
  const guard = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: `${taskQueue}-${PAYMENT_GUARD_TASK_QUEUE_SUFFIX}`,
    workflowBundle,
    activities: createGuardWorkerActivities({ client: options.client }),
    ...tuning,
    ...stopping,
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
  });
  const providerQueues = new Map<string, Worker>();
  for (const suffix of providerTaskQueueSuffixes()) {
    const rateLimits = everyAdapter
      .filter((adapter) => taskQueueSuffixesOf(profileOf(adapter.name)).includes(suffix))
      .flatMap((adapter) => adapter.queueRateLimit?.(settingsOf(options.providers, adapter.name), suffix) ?? []);
    providerQueues.set(
      suffix,
      await Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: `${taskQueue}-${suffix}`,
        activities: providerActivities(deps, suffix),
        ...stopping,
        ...(options.dataConverter && { dataConverter: options.dataConverter }),
        ...(rateLimits.length > 0 && { maxTaskQueueActivitiesPerSecond: Math.min(...rateLimits) }),
      })
    );
  }
  const all = [main, guard, ...providerQueues.values()];
  // A worker already stopping (a second signal, or one stopped on its own) is left to finish.
  const stopRunning = (): void => {
    for (const worker of all) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  // The providers' own long-lived workflows (SecPaid's reconciler) run while any worker does: each
  // worker's start makes sure, and hands them today's settings. Tried again while the server refuses.
  const ensureProviderWorkflows = async (): Promise<void> => {
    const owners = everyAdapter.flatMap((adapter) =>
      adapter.ownWorkflow ? [{ adapter, own: adapter.ownWorkflow }] : []
    );
    const running = (): boolean => main.getState() === 'RUNNING' || main.getState() === 'INITIALIZED';
    while (owners.length > 0 && running()) {
      let failed = false;
      for (const { adapter, own } of owners) {
        try {
          await own.ensureRunning(options.client, taskQueue, settingsOf(options.providers, adapter.name));
        } catch (err) {
          failed = true;
          if (!running()) return;
          options.logger.warn(
            { provider: adapter.name, err: err instanceof Error ? err.message : String(err) },
            `could not start ${adapter.name}'s own workflows: trying again in ${ENSURE_RETRY_MS / 1000} s`
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, failed ? ENSURE_RETRY_MS : ENSURE_EVERY_MS).unref());
    }
  };
  return {
    main,
    guard,
    providerQueues,
    run: async (onFailure) => {
      ensureProviderWorkflows().catch((err: unknown) => options.logger.error({ err }, 'ensuring provider workflows'));
      // One worker failing stops the others (a process whose guard worker is gone must not go on
      // taking refunds that wait on it), and every worker is waited for: a connection still held
      // by a running worker cannot close, and that error would hide the one that stopped it.
      const results = await Promise.allSettled(
        all.map((worker) =>
          worker.run().catch((err: unknown) => {
            onFailure?.(err);
            stopRunning();
            throw err;
          })
        )
      );
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
    shutdown: stopRunning,
  };
}

/**
 * What stops a worker process: the SDK's own list, each also through the bound and its log (without
 * a listener of ours, a second one would kill the process mid-activity).
 */
const WORKER_SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2'];

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'worker' });
  installTemporalRuntime(logger, {
    shutdownSignals: WORKER_SHUTDOWN_SIGNALS,
    ...(config.metrics.port !== 0 && { prometheusAddress: `${config.listenHost}:${config.metrics.port}` }),
  });
  const inFlight = new InFlightActivities();
  const shutdown = boundShutdown({ logger, inFlight, graceMs: config.workerShutdownGraceMs });
  // The SDK's runtime stops every worker on these signals (one that comes while connecting stops
  // the workers as soon as they exist); this says so and bounds the stop. `on`, not `once`: the
  // runtime stops listening after the first, and a second SIGTERM with no listener would kill the
  // process mid-activity, without the log that says what was in flight.
  for (const signal of WORKER_SHUTDOWN_SIGNALS) process.on(signal, () => shutdown.begin(signal));
  const connection = await connectWorker(config.temporal);
  const client = await connectClient(config.temporal);
  try {
    const workers = await createRefundWorkers({
      connection,
      client,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      dataConverter: dataConverterFor(config.temporal.encryptionKeys),
      ...(config.temporal.workflowBundle !== undefined && {
        workflowBundle: { codePath: config.temporal.workflowBundle },
      }),
      providers: config.providers,
      callbacks: config.callbacks,
      policy: refundPolicySettings(config),
      paymentGuard: config.paymentGuard,
      logger,
      tuning: config.worker,
      shutdownGraceMs: config.workerShutdownGraceMs,
      inFlight,
      workerStopping: shutdown.stopping,
    });
    logger.info(
      {
        address: config.temporal.address,
        taskQueues: [
          config.temporal.taskQueue,
          `${config.temporal.taskQueue}-${PAYMENT_GUARD_TASK_QUEUE_SUFFIX}`,
          ...providerTaskQueueSuffixes().map((suffix) => `${config.temporal.taskQueue}-${suffix}`),
        ],
        workflowBundle: config.temporal.workflowBundle ?? 'bundled at start',
        tuning: config.worker,
      },
      'worker started'
    );
    // Runs until SIGINT/SIGTERM (or `npm start` going away), then drains: in-flight activities
    // finish before it returns.
    stopWhenSupervisorExits(() => {
      shutdown.begin('supervisor exited');
      workers.shutdown();
    });
    try {
      await workers.run(() => shutdown.begin('a worker failed'));
    } catch (err) {
      if (!(err instanceof GracefulShutdownPeriodExpiredError)) throw err;
      logger.error(
        { abandoned: inFlight.list() },
        `cancelled activities did not return in time: exiting with ${inFlight.size} abandoned`
      );
      process.exitCode = 1;
      return;
    }
    logger.info('worker stopped');
  } finally {
    await Promise.all([connection.close(), client.connection.close()]);
    // Only now: the bound also covers the connections' close.
    shutdown.done();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
