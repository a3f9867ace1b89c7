import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

import { knownSecrets } from '../support/secrets';

export interface ScanReport {
  readonly histories: number;
  readonly logFiles: number;
  readonly logBytes: number;
  readonly secrets: number;
  /** `<what> in <where>`, one per finding. */
  readonly findings: string[];
}

/** A history's JSON and every payload in it decoded (payload data is base64 in the JSON). */
export function readableHistory(historyJson: string): string {
  const decoded: string[] = [];
  JSON.parse(historyJson, (key, value: unknown) => {
    if (key === 'data' && typeof value === 'string') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    return value;
  });
  return `${historyJson}\n${decoded.join('\n')}`;
}

/** Every workflow the suite ran on its server, and every log file it wrote, searched for secrets. */
export async function scanSuiteForSecrets(
  address: string,
  logDir: string,
  /** Secrets besides the suite's own (a cluster's, made for its data folder). */
  more: Readonly<Record<string, string>> = {}
): Promise<ScanReport> {
  const secrets = Object.entries({ ...knownSecrets(), ...more });
  const findings: string[] = [];
  const search = (text: string, where: string): void => {
    for (const [what, secret] of secrets) if (text.includes(secret)) findings.push(`${what} in ${where}`);
  };

  const connection = await Connection.connect({ address });
  let histories = 0;
  try {
    const client = new Client({ connection });
    // Raw listing: memos may be encrypted, and this scan holds no keys.
    const ids: { workflowId: string; runId: string }[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.listWorkflowExecutions({
        namespace: 'default',
        pageSize: 1000,
        ...(nextPageToken && { nextPageToken }),
      });
      for (const e of page.executions) {
        ids.push({ workflowId: e.execution?.workflowId ?? '', runId: e.execution?.runId ?? '' });
      }
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    // A few at a time: thousands of histories, each a small read.
    for (let i = 0; i < ids.length; i += 16) {
      await Promise.all(
        ids.slice(i, i + 16).map(async ({ workflowId, runId }) => {
          const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
          search(readableHistory(historyToJSON(history)), `the history of ${workflowId}`);
          histories += 1;
        })
      );
    }
  } finally {
    await connection.close();
  }

  let logFiles = 0;
  let logBytes = 0;
  for (const file of readdirSync(logDir)) {
    const text = readFileSync(path.join(logDir, file), 'utf8');
    logFiles += 1;
    logBytes += text.length;
    search(text, `log ${file}`);
  }
  return { histories, logFiles, logBytes, secrets: secrets.length, findings };
}
