import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { providerTaskQueueSuffixes } from '../activities';
import type { Config } from '../config';
import { PAYMENT_GUARD_TASK_QUEUE_SUFFIX } from '../contract';

/** When a service `npm start` or `npm run cluster` runs does its job: it answers, or it polls. */

const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;

export async function answers(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return res.ok;
}

/** Whether the process `pid` polls every queue the worker serves (the SDK's identity is `<pid>@<host>`). */
export async function workerPolls(
  connection: Connection,
  temporalSettings: Pick<Config['temporal'], 'taskQueue' | 'namespace'>,
  pid: number
): Promise<boolean> {
  const queue = temporalSettings.taskQueue;
  const queues = [
    { name: queue, type: TASK_QUEUE_TYPE_WORKFLOW },
    { name: `${queue}-${PAYMENT_GUARD_TASK_QUEUE_SUFFIX}`, type: TASK_QUEUE_TYPE_WORKFLOW },
    { name: queue, type: TASK_QUEUE_TYPE_ACTIVITY },
    ...providerTaskQueueSuffixes().map((suffix) => ({ name: `${queue}-${suffix}`, type: TASK_QUEUE_TYPE_ACTIVITY })),
  ];
  for (const { name, type } of queues) {
    const described = await connection.workflowService.describeTaskQueue({
      namespace: temporalSettings.namespace,
      taskQueue: { name },
      taskQueueType: type,
    });
    if (!(described.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`))) return false;
  }
  return true;
}
