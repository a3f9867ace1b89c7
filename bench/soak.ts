/**
 * `npm run soak`: 1,000 refunds across the five providers against a real stack on the Temporal dev
 * server (harness/soak.ts), with about 10% of provider calls failing on purpose, two worker
 * processes SIGKILLed and the server restarted on its SQLite file along the way.
 *
 * The sandbox runs in docs-strict mode (SANDBOX_STRICT_DOCS: every behaviour the providers' docs
 * do not state is off or drawn at random), with the faults that make outcomes uncertain: commits
 * answered by a 5xx, reads that fail, requests that commit after the caller gave up.
 *
 * It writes the figures to bench/results/soak-<date>.json and .md. Exit code 1 if any refund was
 * lost, refunded twice, or has a false outcome.
 *
 * Options (env): SOAK_REFUNDS (1000), SOAK_FAULT_RATE (0.1), SOAK_STRICT_DOCS (1; 0 for the
 * lenient sandbox), SANDBOX_SEED (strict mode's choices).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';

import { startDevServer } from '../src/dev/dev-server';
import type { DevServer } from '../src/dev/dev-server';
import { ensureTemporalCli } from '../src/dev/temporal-cli';
import { createLogger } from '../src/logger';
import { clientChannelArgs, clientInterceptors } from '../src/temporal/connection';
import { freePort } from '../src/dev/ports';
import { WORKER_STOP_BOUND_MS, startWorkerProcess } from '../harness/processes';
import type { WorkerProcess } from '../harness/processes';
import { startSandbox } from '../harness/sandbox';
import { SandboxApi } from '../harness/sandbox-api';
import { SOAK_TIME_SCALE, runSoak, soakMarkdown, soakPassed } from '../harness/soak';

const TOTAL = Number(process.env.SOAK_REFUNDS ?? 1000);
const FAULT_RATE = Number(process.env.SOAK_FAULT_RATE ?? 0.1);
const STRICT_DOCS = process.env.SOAK_STRICT_DOCS !== '0';

const log = (msg: string): void => {
  process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'refunds-soak-'));
  const logger = createLogger({ level: 'warn', pretty: false, name: 'soak' });
  const cli = await ensureTemporalCli(log);
  const port = await freePort();
  const dbFile = path.join(dir, 'temporal.db');
  const serverOn = (): Promise<DevServer> =>
    startDevServer({
      cliPath: cli.path,
      ip: '127.0.0.1',
      port,
      uiPort: undefined,
      dbFile,
      namespace: 'default',
      logger,
    });
  let server = await serverOn();
  log(`Temporal dev server on ${server.address} (SQLite ${dbFile})`);

  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows') });
  const bundle = path.join(dir, 'workflows.js');
  writeFileSync(bundle, code);

  const { sandbox, url: sandboxUrl } = await startSandbox({ strictDocs: STRICT_DOCS });
  log(`sandbox ${STRICT_DOCS ? 'in docs-strict mode' : 'lenient'} on ${sandboxUrl}`);

  const connection = await Connection.connect({
    address: server.address,
    channelArgs: clientChannelArgs,
    interceptors: clientInterceptors,
  });
  const client = new Client({ connection });
  const taskQueue = 'refunds-soak';
  const startWorker = (n: number): Promise<WorkerProcess> =>
    startWorkerProcess({
      name: `soak-worker-${n}`,
      logFile: path.join(dir, `worker-${n}.log`),
      temporalAddress: server.address,
      taskQueue,
      sandboxUrl,
      workflowBundle: bundle,
      timeScale: SOAK_TIME_SCALE,
      env: { SECPAID_MAX_REQUESTS_PER_SECOND: '0.9', LOG_LEVEL: 'info' },
    });
  const workers = [await startWorker(1), await startWorker(2)];
  log(`2 workers on ${taskQueue}; logs in ${dir}`);

  const report = await runSoak(
    {
      server: 'temporal CLI server start-dev (SQLite file)',
      client,
      api: new SandboxApi(sandboxUrl),
      taskQueue,
      killWorker: async (n) => {
        const slot = (n - 1) % 2;
        await workers[slot]!.kill('SIGKILL');
        workers[slot] = await startWorker(10 + n);
        return `SIGKILL worker ${slot + 1} (a new one started)`;
      },
      restartServer: async () => {
        await server.stop();
        await sleep(5_000);
        server = await serverOn();
        return 'Temporal server stopped, and started again on the same SQLite file 5 s later';
      },
    },
    { refunds: TOTAL, faultRate: FAULT_RATE, log }
  );
  const results = path.join(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  const stamp = report.date.replace(/[:]/g, '-').slice(0, 19);
  writeFileSync(path.join(results, `soak-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(results, `soak-${stamp}.md`), soakMarkdown(report));
  log(`report: bench/results/soak-${stamp}.{json,md}`);
  process.stdout.write(soakMarkdown(report));

  // Results are written above; a worker that does not stop by the bound is SIGKILLed, never waited on.
  await Promise.all(workers.map((w) => w.stop(WORKER_STOP_BOUND_MS)));
  await connection.close();
  await sandbox.app.close();
  await server.stop();
  if (report.problems.length === 0 && report.lostRefunds === 0) rmSync(dir, { recursive: true, force: true });
  process.exitCode = soakPassed(report) ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
