import { NativeConnection, Worker } from '@temporalio/worker';

import { bareActivities } from './activities';

/** The bare workflow's worker process, with the SDK's default options like the refund worker's. */
async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'bare',
    workflowsPath: require.resolve('./workflows'),
    activities: bareActivities,
  });
  process.stdout.write(`${JSON.stringify({ msg: 'worker started' })}\n`);
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
