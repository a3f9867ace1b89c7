import { writeFileSync } from 'node:fs';
import path from 'node:path';

import type { Client } from '@temporalio/client';
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
