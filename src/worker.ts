import { Worker } from '@temporalio/worker';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';

import { createActivities } from './activities';
import type { ActivityDeps } from './activities';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { REFUNDS_TASK_QUEUE } from './refunds/ids';
import { connectWorker } from './temporal/connection';
import { installTemporalRuntime } from './temporal/runtime';

export interface RefundWorkerOptions extends ActivityDeps {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly taskQueue?: string;
  /** A prebuilt bundle (tests, production); without it the workflows are bundled at start. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The refund worker: the refund workflow and every provider's activities on one task queue. */
export async function createRefundWorker(options: RefundWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? REFUNDS_TASK_QUEUE,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ providers: options.providers, logger: options.logger }),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'worker' });
  installTemporalRuntime(logger);
  const connection = await connectWorker(config.temporal);
  try {
    const worker = await createRefundWorker({
      connection,
      namespace: config.temporal.namespace,
      providers: config.providers,
      logger,
    });
    logger.info({ address: config.temporal.address, taskQueue: REFUNDS_TASK_QUEUE }, 'worker started');
    // Runs until SIGINT/SIGTERM, then drains: in-flight activities finish before it returns.
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
