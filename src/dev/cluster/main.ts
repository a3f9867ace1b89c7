import path from 'node:path';

import { createLogger } from '../../logger';
import { projectRoot } from '../temporal-cli';

import { clusterEnv, shown, startCluster } from './cluster';
import type { ClusterFile, RunningCluster } from './cluster';

/** `npm run cluster` (src/dev/cluster/cluster.ts): starts it, says where everything is, stops it all on Ctrl-C. */
async function main(): Promise<void> {
  const parsed = clusterEnv.safeParse(process.env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`npm run cluster: invalid settings\n${issues.join('\n')}`);
  }
  const settings = parsed.data;
  const logger = createLogger({ level: 'info', pretty: process.stdout.isTTY, name: 'cluster' });
  // From the first moment: a Ctrl-C during start-up (builds, waits) stops what has started.
  const startUp = new AbortController();
  const started: { cluster?: RunningCluster } = {};
  let exiting = false;
  const exit = (reason: string, code: number): void => {
    if (exiting) return;
    exiting = true;
    if (started.cluster === undefined) {
      startUp.abort();
      return;
    }
    void started.cluster.stop(reason).then(() => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => exit(signal, 0));
  const cluster = await startCluster(settings, logger, { signal: startUp.signal });
  started.cluster = cluster;
  void cluster.givenUp.then((reason) => exit(reason, 1));
  logger.info(
    readyMessage(
      cluster.file,
      settings.TEMPORAL_NAMESPACE,
      path.join(settings.CLUSTER_DATA_DIR, 'secrets', 'api-token')
    )
  );
}

function readyMessage(file: ClusterFile, namespace: string, tokenFile: string): string {
  const list = (query: string): string =>
    `${file.uiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent(query)}`;
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
