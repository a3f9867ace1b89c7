import path from 'node:path';

import { createLogger } from '../../logger';
import { projectRoot } from '../temporal-cli';

import { clusterEnv, shown, startCluster } from './cluster';
import type { ClusterFile } from './cluster';

/** `npm run cluster` (src/dev/cluster/cluster.ts): starts it, says where everything is, stops it all on Ctrl-C. */
async function main(): Promise<void> {
  const parsed = clusterEnv.safeParse(process.env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`npm run cluster: invalid settings\n${issues.join('\n')}`);
  }
  const settings = parsed.data;
  const logger = createLogger({ level: 'info', pretty: process.stdout.isTTY, name: 'cluster' });
  const cluster = await startCluster(settings, logger);
  let exiting = false;
  const exit = (reason: string, code: number): void => {
    if (exiting) return;
    exiting = true;
    void cluster.stop(reason).then(() => process.exit(code));
  };
  process.on('SIGINT', () => exit('SIGINT', 0));
  process.on('SIGTERM', () => exit('SIGTERM', 0));
  void cluster.givenUp.then((reason) => exit(reason, 1));
  logger.info(readyMessage(cluster.file, path.join(settings.CLUSTER_DATA_DIR, 'secrets', 'api-token')));
}

function readyMessage(file: ClusterFile, tokenFile: string): string {
  const list = (query: string): string =>
    `${file.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
  return [
    'Ready. Ctrl-C stops everything (the data stays).',
    `  Temporal (PostgreSQL): ${file.temporalAddress}`,
    `  Temporal UI:           ${list('WorkflowType = "refund"')}`,
    `  API:                   ${file.apiUrl}  (token: Authorization: Bearer $(cat ${shown(path.resolve(projectRoot, tokenFile))}))`,
    `  sandbox:               ${file.sandboxUrl}`,
    `  processes:             ${Object.entries(file.pids)
      .map(([name, pid]) => `${name} ${pid}`)
      .join(', ')}`,
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
