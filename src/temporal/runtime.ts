import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel, LogMetadata } from '@temporalio/worker';

import type { Logger } from '../logger';
import { WORKER_STOPPING } from '../refunds/failures';

const levelOf: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

let installed = false;

/**
 * Said at every start by a worker with nothing of a kind to poll (SecPaid's queue has no workflows,
 * none has Nexus services): expected, so kept below info.
 */
const EXPECTED_AT_START = /^No (workflows|activities|Nexus services) registered, not polling/;

/** A guard call given up because the worker shuts down: the shutdown's own line counts them. */
const expectedFailure = (error: unknown): boolean =>
  error instanceof ApplicationFailure && error.type === WORKER_STOPPING;

/**
 * Routes the SDK's own logs (workflow `log`, activity `log`, worker and core messages) into pino,
 * once per process. `error` metadata is renamed `err` so pino's serializer prints the stack.
 */
export interface TemporalRuntimeOptions {
  /** Where the SDK's and the workflows' metrics are scraped; none when absent. */
  readonly prometheusAddress?: string;
  /** The signals on which the runtime stops every worker; the SDK's default when absent. */
  readonly shutdownSignals?: readonly NodeJS.Signals[];
}

export function installTemporalRuntime(logger: Logger, options: TemporalRuntimeOptions = {}): void {
  if (installed) return;
  installed = true;
  const sdkLogger = logger.child({ component: 'temporal' });
  Runtime.install({
    telemetryOptions: {
      // The native core's own messages (lost connections, retried calls) go through pino too,
      // rather than straight to the console.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      // The SDK's own metrics (task latencies, slots, polls) and the workflows' refund counters,
      // scraped at http://<address>/metrics.
      ...(options.prometheusAddress !== undefined && {
        metrics: { prometheus: { bindAddress: options.prometheusAddress } },
      }),
    },
    ...(options.shutdownSignals && { shutdownSignals: [...options.shutdownSignals] }),
    logger: new DefaultLogger('INFO', (entry) => {
      const { error, ...rest } = (entry.meta ?? {}) as LogMetadata & { error?: unknown };
      const level = EXPECTED_AT_START.test(entry.message) || expectedFailure(error) ? 'debug' : levelOf[entry.level];
      sdkLogger[level]({ ...rest, ...(error !== undefined && { err: error }) }, entry.message);
    }),
  });
}
