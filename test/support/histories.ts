import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const historiesDir = path.join(__dirname, '..', 'histories');

/**
 * With `RECORD_HISTORIES=1` (`npm run histories:record`), saves a finished refund's history under
 * test/histories/<name>.json; `test/replay.test.ts` replays every saved history against the current
 * workflow code, so a change that would break a running refund fails `npm test`.
 */
export async function recordHistory(client: Client, refundId: string, name: string): Promise<void> {
  await recordWorkflowHistory(client, `refund-${refundId}`, name);
}

/** The same for any workflow, e.g. a payment's guard (saved as `guard-<name>.json`, never finished). */
export async function recordWorkflowHistory(client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(path.join(historiesDir, `${name}.json`), `${historyToJSON(history)}\n`);
}

/** Every run of a workflow, newest first, with its event count, following continue-as-new back to the first. */
export async function runsOf(client: Client, workflowId: string): Promise<{ runId: string; events: number }[]> {
  const runs: { runId: string; events: number }[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId !== undefined) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push({ runId, events: history.events?.length ?? 0 });
    const previous: string | null | undefined =
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    runId = previous === null || previous === undefined || previous === '' ? undefined : previous;
  }
  return runs;
}

/** Resets a workflow's latest run to its first workflow task, as an operator's routine repair would. */
export async function resetToFirstWorkflowTask(client: Client, workflowId: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const history = await handle.fetchHistory();
  const firstTask = history.events?.find(
    (e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
  );
  await client.workflowService.resetWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId, runId: (await handle.describe()).runId },
    workflowTaskFinishEventId: firstTask?.eventId,
    reason: 'a routine repair',
    requestId: randomUUID(),
  });
}
