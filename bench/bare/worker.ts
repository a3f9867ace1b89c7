import { NativeConnection, Worker } from '@temporalio/worker';

import { loadConfig } from '../../src/config';

import { bareActivities } from './activities';

/**
 * The bare workflow's worker process, with the same WORKER_* tuning as the refund worker it is
 * compared with (the SDK's defaults when none is set).
 */
async function main(): Promise<void> {
  const tuning = loadConfig().worker;
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'bare',
    workflowsPath: require.resolve('./workflows'),
    activities: bareActivities,
    ...tuning,
  });
  process.stdout.write(`${JSON.stringify({ msg: 'worker started' })}\n`);
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
