import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';

/**
 * The status of a workflow's latest run (`RUNNING`, `COMPLETED`, …), or undefined when there is
 * none. Any other error (the server unreachable) is thrown: not knowing is never "not running".
 */
export async function workflowStatus(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
