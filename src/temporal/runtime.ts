import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel, LogMetadata } from '@temporalio/worker';

import type { Logger } from '../logger';

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

/**
 * Routes the SDK's own logs (workflow `log`, activity `log`, worker and core messages) into pino,
 * once per process. `error` metadata is renamed `err` so pino's serializer prints the stack.
 */
export function installTemporalRuntime(logger: Logger, metrics?: { readonly prometheusAddress: string }): void {
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
      ...(metrics && { metrics: { prometheus: { bindAddress: metrics.prometheusAddress } } }),
    },
    logger: new DefaultLogger('INFO', (entry) => {
      const { error, ...rest } = (entry.meta ?? {}) as LogMetadata & { error?: unknown };
      const level = EXPECTED_AT_START.test(entry.message) ? 'debug' : levelOf[entry.level];
      sdkLogger[level]({ ...rest, ...(error !== undefined && { err: error }) }, entry.message);
    }),
  });
}
