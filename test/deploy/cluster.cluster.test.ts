import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';

import { MAX_FRONTEND_PORT, MIN_FRONTEND_PORT } from '../../src/dev/cluster/cluster';
import type { ClusterFile } from '../../src/dev/cluster/cluster';
import { frontendAnswers } from '../../src/dev/dev-server';
import { freePortIn, freePortRunIn } from '../../src/dev/ports';
import { projectRoot } from '../../src/dev/temporal-cli';
import { SandboxApi } from '../../harness/sandbox-api';
import { SOAK_TIME_SCALE, runSoak, soakMarkdown } from '../../harness/soak';
import type { SoakReport } from '../../harness/soak';
import { eventually } from '../support/stack';
import { scanSuiteForSecrets } from '../setup/secret-scan';

/**
 * `npm run cluster` for real: Temporal's own server on PostgreSQL, the production build's workers
 * and API, as a newcomer without Docker runs it. A few hundred refunds across the five providers
 * with faults, one worker SIGKILLed twice and the Temporal server SIGKILLed mid-run (the cluster
 * restarts both, as compose's restart policy does); the sandbox ledger against the orchestrator to
 * the cent; then Ctrl-C, and a second run on the same data folder (the schema tool a no-op, the
 * refunds still there). The first run builds the server, the SQL tool and the UI server from the Go
 * module proxy (minutes, once a machine). `npm run test:cluster`, which `.ci/run` runs.
 */
const REFUNDS = Number(process.env.TEST_CLUSTER_REFUNDS ?? 300);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'refunds-cluster-'));
let env: NodeJS.ProcessEnv;
let cluster: { process: ChildProcess; exited: Promise<number | string>; output: () => string } | undefined;

/** `npm run cluster` in a process group of its own, as a terminal runs it; resolves once it says "Ready.". */
async function startCluster(run: string): Promise<NonNullable<typeof cluster>> {
  const log = createWriteStream(path.join(dataDir, `cluster-${run}.out`));
  const child = spawn('npm', ['run', 'cluster', '--silent'], { cwd: projectRoot, env, detached: true });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output = (output + chunk).slice(-200_000);
      log.write(chunk);
    });
  }
  let exitCode: number | string | undefined;
  // npm answers a Ctrl-C by dying of it (a signal) or with 130, once the cluster under it has stopped.
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal ?? 'unknown';
      resolve(exitCode);
    })
  );
  const running = { process: child, exited, output: () => output };
  // Known from its spawn: stopped after all, even if it never gets ready.
  cluster = running;
  await eventually(
    async () => {
      if (exitCode !== undefined) {
        throw new Error(`npm run cluster exited ${String(exitCode)} before it was ready:\n${output.slice(-4000)}`);
      }
      return output.includes('Ready.') ? true : undefined;
    },
    'the cluster ready',
    40 * 60_000
  );
  return running;
}

/** Ctrl-C: SIGINT to the whole foreground group; the cluster stops everything in order. */
async function interrupt(running: NonNullable<typeof cluster>): Promise<number | string> {
  if (running.process.exitCode !== null || running.process.signalCode !== null) return running.exited;
  process.kill(-running.process.pid!, 'SIGINT');
  return running.exited;
}

const clusterFile = (): ClusterFile =>
  JSON.parse(readFileSync(path.join(dataDir, 'cluster.json'), 'utf8')) as ClusterFile;
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  // The second run is given the same ports: each is picked below the ephemeral range (an outgoing
  // connection took worker-2's metrics port between runs once), none inside Temporal's block, and
  // both workers' metrics ports (METRICS_PORT + i) free.
  const temporal = await freePortIn(MIN_FRONTEND_PORT, MAX_FRONTEND_PORT - 800);
  const taken = new Set(Array.from({ length: 1_068 }, (_, i) => temporal - 300 + i));
  const pick = (length = 1): Promise<number> => freePortRunIn(10_000, 32_767, length, taken);
  const [ui, api, sandbox, postgres] = [await pick(), await pick(), await pick(), await pick()];
  const metrics = await pick(2);
  env = {
    ...process.env,
    CLUSTER_DATA_DIR: dataDir,
    // The test's refunds run 1,000× faster (its workers' REFUND_TIME_SCALE), which production refuses.
    CLUSTER_NODE_ENV: 'development',
    REFUND_TIME_SCALE: String(SOAK_TIME_SCALE),
    CLUSTER_POSTGRES_PORT: String(postgres),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
    TEMPORAL_UI_PORT: String(ui),
    API_PORT: String(api),
    SANDBOX_PORT: String(sandbox),
    METRICS_PORT: String(metrics),
    SANDBOX_STRICT_DOCS: '1',
    // Half of SecPaid's rate for the reconciler and the refunds it wakes, as the e2e suite's workers:
    // 30 approvals at once are read back in about a minute, not five.
    SECPAID_RECONCILE_READ_SHARE: '0.5',
  };
  cluster = await startCluster('first');
}, 45 * 60_000);

afterAll(async () => {
  if (cluster) await interrupt(cluster);
});

describe('npm run cluster (Temporal on PostgreSQL, production build)', () => {
  let report: SoakReport;

  it('runs every service of compose, with the schema applied by setup-postgres.sh', async () => {
    const file = clusterFile();
    expect(Object.keys(file.pids).sort()).toEqual(
      ['api', 'postgresql', 'sandbox', 'temporal', 'temporal-ui', 'worker-1', 'worker-2'].sort()
    );
    expect(readFileSync(path.join(dataDir, 'logs', 'temporal-schema.log'), 'utf8')).toMatch(
      /Temporal schema is up to date/
    );
    // The UI is Temporal's own, pointed at the cluster.
    const ui = await fetch(file.uiUrl);
    expect(ui.status).toBe(200);
    const health = await fetch(`${file.apiUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it(
    `${REFUNDS} refunds with faults, a worker SIGKILLed twice and the server SIGKILLed: none lost, none twice, no false outcome`,
    async () => {
      const file = clusterFile();
      const connection = await Connection.connect({ address: file.temporalAddress });
      try {
        const killAndWait = async (name: string): Promise<string> => {
          const pid = clusterFile().pids[name]!;
          process.kill(pid, 'SIGKILL');
          // The cluster starts it again (compose: restart: unless-stopped).
          await eventually(
            async () => {
              const next = clusterFile().pids[name];
              return next !== undefined && next !== pid && alive(next) ? true : undefined;
            },
            `${name} back`,
            120_000
          );
          return `SIGKILL ${name} (pid ${pid}); the cluster started it again`;
        };
        report = await runSoak(
          {
            server: `temporal-server on PostgreSQL (npm run cluster)`,
            client: new Client({ connection }),
            api: new SandboxApi(file.sandboxUrl),
            taskQueue: 'refunds',
            killWorker: (n) => killAndWait(`worker-${((n - 1) % 2) + 1}`),
            restartServer: async () => {
              const done = await killAndWait('temporal');
              await eventually(
                () => frontendAnswers(file.temporalAddress).catch(() => undefined),
                'Temporal back',
                120_000
              );
              return done;
            },
          },
          { refunds: REFUNDS, faultRate: 0.1, log: (line) => process.stderr.write(`[cluster soak] ${line}\n`) }
        );
      } finally {
        await connection.close();
      }
      process.stderr.write(soakMarkdown(report));
      expect(report.refundsStarted).toBe(REFUNDS);
      expect(report.workerSigkills).toBe(2);
      expect(report.serverRestarts).toBe(1);
      expect(report.faultsInjected).toBeGreaterThan(0);
      expect({
        lost: report.lostRefunds,
        double: report.doubleRefunds,
        false: report.falseOutcomes,
        problems: report.problems.filter((p) => !p.includes('asks a person')),
      }).toEqual({ lost: 0, double: 0, false: 0, problems: [] });
      // To the cent: every difference between the ledger and the orchestrator is a refund an operator
      // said FAILED whose money is still watched (it asks a person if the provider pays).
      expect(report.ledgerVsOrchestratorMismatches).toBeLessThanOrEqual(report.failedAndWatched);
      if (report.ledgerVsOrchestratorMismatches === 0)
        expect(report.ledgerTotalMinor).toBe(report.orchestratorTotalMinor);
    },
    40 * 60_000
  );

  it(
    'Ctrl-C stops every process; a second run reuses the data: the schema tool changes nothing, the refunds are there',
    async () => {
      const first = clusterFile();
      const previous = cluster!;
      expect([0, 130, 'SIGINT']).toContain(await interrupt(previous));
      // Every service drained and stopped within its grace: none had to be killed.
      expect(previous.output()).toMatch(/stopped; the data stays in/);
      expect(previous.output()).not.toMatch(/did not stop within/);
      for (const pid of Object.values(first.pids)) expect(alive(pid)).toBe(false);

      cluster = await startCluster('second');
      expect(cluster.output()).toMatch(/PostgreSQL data folder reused/);
      const schemaRuns = readFileSync(path.join(dataDir, 'logs', 'temporal-schema.log'), 'utf8').split(
        'Temporal schema is up to date'
      );
      // Two runs: the first applied every versioned schema, the second none.
      expect(schemaRuns).toHaveLength(3);
      expect(schemaRuns[0]).toMatch(/Schema updated from/);
      expect(schemaRuns[1]).not.toMatch(/Schema updated from|Processing schema file/);
      const connection = await Connection.connect({ address: clusterFile().temporalAddress });
      try {
        const client = new Client({ connection });
        const { count } = await client.workflow.count(`WorkflowType = 'refund'`);
        expect(count).toBeGreaterThanOrEqual(REFUNDS);
        // The outcomes the first run reported, as PostgreSQL kept them.
        for (const [status, n] of Object.entries(report.finalByOutcome)) {
          const kept = await client.workflow.count(`WorkflowType = 'refund' AND RefundStatus = '${status}'`);
          expect([status, kept.count]).toEqual([status, n]);
        }
      } finally {
        await connection.close();
      }
    },
    15 * 60_000
  );

  it(
    "no secret of the cluster's (its API token, webhook and callback secrets, PostgreSQL's password) in its histories or logs",
    async () => {
      const secretsDir = path.join(dataDir, 'secrets');
      const more = Object.fromEntries(
        readdirSync(secretsDir).map((name) => [
          `the cluster's ${name}`,
          readFileSync(path.join(secretsDir, name), 'utf8').trim(),
        ])
      );
      const scan = await scanSuiteForSecrets(clusterFile().temporalAddress, path.join(dataDir, 'logs'), more);
      expect(scan.logFiles).toBeGreaterThanOrEqual(8);
      expect(scan.findings).toEqual([]);
    },
    10 * 60_000
  );
});
