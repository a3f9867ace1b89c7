/**
 * `npm run bench`: the product measured against the engine it runs on, on this machine, in one run.
 * Phases (BENCH_PHASES, all by default, in this order):
 *
 * - `throughput`: OpenPayd refunds end to end (client start → worker → sandbox over HTTP → final
 *   state) against a bare one-activity workflow (no-op activity), on the same dev server, at 1×, 4×
 *   and 16× a base concurrency, with throughput, latency and worker memory. Each side has a worker
 *   process of its own with the same options. At each level the two sides take turns, bare then
 *   refund, for BENCH_ROUNDS rounds (at least 5): the machine's drift falls on both alike, and the
 *   figures are the medians of the rounds, the ratio with its min and max. The dev server runs on a SQLite file with the pragmas Temporal's own
 *   load tests use: journal_mode=WAL, synchronous=OFF.
 * - `tuning`: the same comparison at 4× for each worker tuning in {@link TUNINGS}.
 * - `history`: events per refund on each provider's happy path.
 * - `cost`: one run at a time, a refund against a bare workflow: RPCs by operation (with the server's
 *   time in each), persistence operations, history events by type and CPU per run (./cost.ts).
 * - `review`: a SecPaid refund that waits 1, 7, 14 and 28 days in review, on the time-skipping test
 *   server with production defaults: history events and reads made.
 * - `waiting`: 10,000 SecPaid refunds waiting for review at once (./waiting.ts).
 * - `cluster`: the `throughput` comparison again, on Temporal's own server with PostgreSQL (the
 *   server `npm run cluster` runs, src/dev/cluster), beside the dev server's figures of the same run.
 *
 * Writes bench/results/bench-<date>.json and .md. A benchmark, not a test: nothing here asserts.
 * Options (env): BENCH_BASE_CONCURRENCY (16), BENCH_PER_LEVEL (refunds per level and round: 20× the
 * base, and at least 3× the concurrency), BENCH_ROUNDS (5, and never fewer),
 * BENCH_WAITING_REFUNDS (10000), BENCH_WAITING_WORKERS (2), BENCH_WAITING_MINUTES (5),
 * BENCH_GUARD_QUIET_WINDOW_MS (the waiting workers' guard quiet window, 120000),
 * BENCH_WAITING_CACHE (the waiting workers' cache size; the SDK's default when unset),
 * BENCH_SUBMIT_IN_TASK (the refund worker's REFUND_SUBMIT_IN_TASK; its default when unset).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';

import { RefundsClient } from '../src/client';
import { paymentGuardWorkflowId } from '../src/contract';
import { MAX_FRONTEND_PORT, MIN_FRONTEND_PORT, clusterEnv, startCluster } from '../src/dev/cluster/cluster';
import { TEMPORAL_SERVER_VERSION } from '../src/dev/cluster/tools';
import { startDevServer } from '../src/dev/dev-server';
import { ensureTemporalCli } from '../src/dev/temporal-cli';
import { createLogger } from '../src/logger';
import type { RefundRequestInput } from '../src/providers';
import { paymentAndRefund, providerNames, settleAtProvider } from '../harness/payments';
import { freePort, freePortIn } from '../src/dev/ports';
import { WORKER_STOP_BOUND_MS, startWorkerProcess } from '../harness/processes';
import type { WorkerProcess } from '../harness/processes';
import { SandboxApi } from '../harness/sandbox-api';
import { startReviewStack } from '../harness/secpaid-review';
import type { ReviewFigures } from '../harness/secpaid-review';
import { buildSandbox } from '../src/sandbox/server';
import type { Sandbox } from '../src/sandbox/server';

import { costMarkdown, measureCost, row } from './cost';
import type { CostFigures } from './cost';
import { cpuMs, percentile, rssMb, treeCpuMs } from './process-stats';
import { pool } from '../harness/waits';
import { measureWaiting } from './waiting';
import type { SecpaidTraffic, WaitingFigures } from './waiting';

const BASE = Number(process.env.BENCH_BASE_CONCURRENCY ?? 16);
const PER_LEVEL = Number(process.env.BENCH_PER_LEVEL ?? 20);
// Five rounds at least: a single round's ratio swings by ±0.2 on a shared 2-core machine, and the
// spread (min / median / max) is part of the figure.
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const LEVELS = [1, 4, 16];
const PRAGMAS = ['journal_mode=WAL', 'synchronous=OFF'];
const PHASES = new Set(
  (process.env.BENCH_PHASES ?? 'throughput,tuning,history,cost,review,waiting,cluster').split(',')
);
/** Runs per side in the cost phase, one at a time. */
const COST_RUNS = Number(process.env.BENCH_COST_RUNS ?? 100);
const WAITING_REFUNDS = Number(process.env.BENCH_WAITING_REFUNDS ?? 10_000);
const WAITING_WORKERS = Number(process.env.BENCH_WAITING_WORKERS ?? 2);
const WAITING_MINUTES = Number(process.env.BENCH_WAITING_MINUTES ?? 5);
/** The waiting workers' sticky cache size (WORKER_MAX_CACHED_WORKFLOWS); the SDK's default when unset. */
const WAITING_CACHE = process.env.BENCH_WAITING_CACHE;
const REVIEW_DAYS = [1, 7, 14, 28];

/** Worker settings tried by the `tuning` phase, applied to both sides alike (see src/config.ts). */
const TUNINGS: Record<string, Record<string, string>> = {
  'SDK defaults': {},
  'reuseV8Context off': { WORKER_REUSE_V8_CONTEXT: 'false' },
  'cache 50 workflows': { WORKER_MAX_CACHED_WORKFLOWS: '50' },
  '100 workflow-task slots, 20 pollers': {
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '100',
    WORKER_WORKFLOW_TASK_POLLERS: '20',
  },
  '200 workflow-task slots, 50 pollers, 20 activity pollers': {
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '200',
    WORKER_WORKFLOW_TASK_POLLERS: '50',
    WORKER_ACTIVITY_TASK_POLLERS: '20',
  },
};

const log = (msg: string): void => {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

interface RunFigures {
  readonly concurrency: number;
  /** Over all rounds. */
  readonly completed: number;
  readonly seconds: number;
  /** The median of the rounds' rates. */
  readonly perSecond: number;
  readonly perSecondByRound: readonly number[];
  /** CPU per workflow run, ms, over all rounds (see {@link CpuSample}). */
  readonly cpuMsPerRun: CpuSample;
  /** Of every run in every round. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly workerRssMb: number;
  readonly workerPeakRssMb: number;
}

/**
 * CPU time used so far, in ms: the Temporal server's, the side's worker process's, and this
 * process's (the driver: its client and the sandbox).
 */
interface CpuSample {
  readonly server: number;
  readonly worker: number;
  readonly driver: number;
}

interface Round {
  readonly total: number;
  readonly seconds: number;
  readonly latencies: readonly number[];
  /** Used during the round. */
  readonly cpuMs: CpuSample;
}

/** `total` runs of `one`, `concurrency` at a time: how long it took, and each run's latency. */
async function runRound(
  concurrency: number,
  total: number,
  one: (i: number) => Promise<void>,
  cpu: () => CpuSample
): Promise<Round> {
  const latencies: number[] = [];
  const cpuBefore = cpu();
  const started = performance.now();
  await pool(total, concurrency, async (i) => {
    const t0 = performance.now();
    await one(i);
    latencies.push(performance.now() - t0);
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpu();
  const cpuMs = {
    server: cpuAfter.server - cpuBefore.server,
    worker: cpuAfter.worker - cpuBefore.worker,
    driver: cpuAfter.driver - cpuBefore.driver,
  };
  return { total, seconds, latencies, cpuMs };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const rate = (round: Round): number => round.total / round.seconds;
const perRun = (rounds: readonly Round[], part: keyof CpuSample): number =>
  Number((rounds.reduce((n, r) => n + r.cpuMs[part], 0) / rounds.reduce((n, r) => n + r.total, 0)).toFixed(1));

/** Throughput (the median round's), latency over every run, and the worker's memory now. */
function figures(concurrency: number, rounds: readonly Round[], worker: WorkerProcess): RunFigures {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const { rss, peak } = rssMb(worker.child.pid);
  return {
    concurrency,
    completed: rounds.reduce((n, r) => n + r.total, 0),
    seconds: Number(rounds.reduce((n, r) => n + r.seconds, 0).toFixed(2)),
    perSecond: Number(median(rounds.map(rate)).toFixed(1)),
    perSecondByRound: rounds.map((r) => Number(rate(r).toFixed(1))),
    cpuMsPerRun: {
      server: perRun(rounds, 'server'),
      worker: perRun(rounds, 'worker'),
      driver: perRun(rounds, 'driver'),
    },
    latencyMs: {
      p50: Math.round(percentile(latencies, 50)),
      p95: Math.round(percentile(latencies, 95)),
      p99: Math.round(percentile(latencies, 99)),
    },
    workerRssMb: rss,
    workerPeakRssMb: peak,
  };
}

interface Comparison {
  readonly level: string;
  readonly bare: RunFigures;
  readonly refund: RunFigures;
  /** The median of the rounds' ratios (refund / bare, each round's pair run back to back). */
  readonly ratio: number;
  readonly ratioMin: number;
  readonly ratioMax: number;
  readonly ratioByRound: readonly number[];
}

interface Report {
  date: string;
  /** What bench/README.md keys its tables on: figures from one model are never quoted for another. */
  machineModel: string;
  machine: string;
  devServer: string;
  workers: string;
  baseConcurrency: number;
  /** Rounds per comparison, the two sides taking turns. */
  rounds: number;
  throughput?: Comparison[];
  tuning?: (Comparison & { readonly tuning: string })[];
  historyEventsPerHappyPath?: Record<string, number>;
  cost?: CostFigures;
  secpaidReview?: (ReviewFigures & { readonly days: number })[];
  waiting?: WaitingFigures;
  /** The throughput comparison on Temporal's server with PostgreSQL. */
  cluster?: { readonly server: string; readonly throughput: Comparison[] };
}

/** The Temporal server a pair of workers runs against, and how to read its CPU time. */
interface ServerTarget {
  readonly address: string;
  readonly client: Client;
  /** CPU time (ms) the server has used so far: with PostgreSQL, the database's processes too. */
  readonly cpuMs: () => number;
}

/** The sandbox, recording every SecPaid call's time and HTTP status (figure 4 counts them). */
async function startRecordingSandbox(): Promise<{ sandbox: Sandbox; url: string; traffic: SecpaidTraffic }> {
  const sandbox = await buildSandbox();
  const calls: { at: number; status: number; endpoint: string }[] = [];
  sandbox.app.addHook('onResponse', async (req, reply) => {
    const tag = req.routeOptions.config.sandboxEndpoint;
    if (tag?.provider === 'secpaid') calls.push({ at: Date.now(), status: reply.statusCode, endpoint: tag.endpoint });
  });
  await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  return { sandbox, url: sandbox.url(), traffic: { calls } };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'refunds-bench-'));
  const logger = createLogger({ level: 'warn', pretty: false, name: 'bench' });
  const cli = await ensureTemporalCli(log);
  const serverMetricsPort = await freePort();
  const server = await startDevServer({
    metricsPort: serverMetricsPort,
    cliPath: cli.path,
    ip: '127.0.0.1',
    port: await freePort(),
    uiPort: undefined,
    dbFile: path.join(dir, 'temporal.db'),
    namespace: 'default',
    sqlitePragmas: PRAGMAS,
    logger,
  });
  log(`dev server ${server.address}, SQLite file with ${PRAGMAS.join(', ')}`);

  const bundle = path.join(dir, 'workflows.js');
  writeFileSync(
    bundle,
    (
      await bundleWorkflowCode({
        workflowsPath: require.resolve('../src/workflows'),
        logger: new DefaultLogger('WARN'),
      })
    ).code
  );
  const { sandbox, url: sandboxUrl, traffic } = await startRecordingSandbox();
  const api = new SandboxApi(sandboxUrl);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const workers = new Set<WorkerProcess>();
  const devServer: ServerTarget = { address: server.address, client, cpuMs: () => cpuMs(server.process.pid) };

  const report: Report = {
    date: new Date().toISOString(),
    machineModel: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}`,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, Linux ${os.release()}`,
    devServer: `temporal CLI (${cli.path}) server start-dev, SQLite file, --sqlite-pragma ${PRAGMAS.join(' --sqlite-pragma ')}`,
    workers:
      'one worker process per side with the same options; refunds through OpenPayd (synchronous), per-payment guard on',
    baseConcurrency: BASE,
    rounds: ROUNDS,
  };
  try {
    await run();
  } finally {
    // Even after an error: no worker or server may outlive the benchmark (they would skew the next).
    await Promise.all([...workers].map((w) => w.stop(WORKER_STOP_BOUND_MS)));
    await connection.close();
    await sandbox.app.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  /** A refund worker and a bare worker, on queues of their own, with the same tuning. */
  async function startPair(name: string, tuning: Record<string, string>, on: ServerTarget = devServer) {
    const { client } = on;
    const refundMetricsPort = await freePort();
    const start = async (side: 'refund' | 'bare') => {
      const worker = await startWorkerProcess({
        name: `bench-${side}-worker`,
        logFile: path.join(dir, `${side}-worker-${name}.log`),
        temporalAddress: on.address,
        taskQueue: `bench-${side}-${name}`,
        sandboxUrl,
        workflowBundle: bundle,
        // A day of waiting in ~9 s (the synchronous happy path waits for nothing)
        timeScale: 0.0001,
        // production's log level; SecPaid's queue limit is not in this figure
        env: {
          LOG_LEVEL: 'info',
          SECPAID_MAX_REQUESTS_PER_SECOND: '1',
          // The refund worker's SDK metrics, for the cost phase's worker time by task type.
          ...(side === 'refund' && { METRICS_PORT: String(refundMetricsPort) }),
          // BENCH_SUBMIT_IN_TASK=false: the refunds send their request from an activity, as before.
          ...(side === 'refund' &&
            process.env.BENCH_SUBMIT_IN_TASK !== undefined && {
              REFUND_SUBMIT_IN_TASK: process.env.BENCH_SUBMIT_IN_TASK,
            }),
          ...tuning,
        },
        ...(side === 'bare' && { script: path.join(__dirname, 'bare', 'worker.ts') }),
      });
      workers.add(worker);
      return worker;
    };
    const refundWorker = await start('refund');
    const bareWorker = await start('bare');
    const refunds = new RefundsClient(client, { taskQueue: `bench-refund-${name}` });
    const cpuWith = (worker: WorkerProcess) => (): CpuSample => {
      const driver = process.cpuUsage();
      return {
        server: on.cpuMs(),
        worker: cpuMs(worker.child.pid),
        driver: (driver.user + driver.system) / 1000,
      };
    };
    const bareOne = async (): Promise<void> => {
      await client.workflow.execute('bare', { taskQueue: `bench-bare-${name}`, workflowId: `bare-${randomUUID()}` });
    };
    const refundRound = async (concurrency: number, total: number): Promise<Round> => {
      // The payments are made before the clock starts.
      const requests: RefundRequestInput[] = [];
      for (let i = 0; i < total; i += 1) requests.push(await paymentAndRefund(api, 'openpayd', 1_000 + i, 'bench'));
      return runRound(
        concurrency,
        total,
        async (i) => {
          const request = requests[i]!;
          await refunds.start(request);
          await refunds.waitForOutcome(request.refundId);
        },
        cpuWith(refundWorker)
      );
    };
    const compare = async (level: number): Promise<Comparison> => {
      const concurrency = BASE * level;
      const total = Math.max(concurrency * 3, BASE * PER_LEVEL);
      const bareRounds: Round[] = [];
      const refundRounds: Round[] = [];
      for (let round = 1; round <= ROUNDS; round += 1) {
        const bare = await runRound(concurrency, total, bareOne, cpuWith(bareWorker));
        const refund = await refundRound(concurrency, total);
        bareRounds.push(bare);
        refundRounds.push(refund);
        log(
          `${name} ×${level} (${concurrency} at a time), round ${round}: bare ${rate(bare).toFixed(1)}/s, ` +
            `refund ${rate(refund).toFixed(1)}/s, ratio ${(rate(refund) / rate(bare)).toFixed(2)}`
        );
      }
      const ratios = refundRounds.map((r, i) => rate(r) / rate(bareRounds[i]!));
      return {
        level: `${level}×`,
        bare: figures(concurrency, bareRounds, bareWorker),
        refund: figures(concurrency, refundRounds, refundWorker),
        ratio: Number(median(ratios).toFixed(2)),
        ratioMin: Number(Math.min(...ratios).toFixed(2)),
        ratioMax: Number(Math.max(...ratios).toFixed(2)),
        ratioByRound: ratios.map((r) => Number(r.toFixed(2))),
      };
    };
    const warmUp = async (): Promise<void> => {
      await runRound(BASE, BASE * 4, bareOne, cpuWith(bareWorker));
      await refundRound(BASE, BASE * 4);
    };
    const stop = async (): Promise<void> => {
      await Promise.all([refundWorker.stop(WORKER_STOP_BOUND_MS), bareWorker.stop(WORKER_STOP_BOUND_MS)]);
      workers.delete(refundWorker);
      workers.delete(bareWorker);
    };
    const cost = async (runs: number): Promise<CostFigures> => {
      const requests: RefundRequestInput[] = [];
      for (let i = 0; i <= runs; i += 1)
        requests.push(await paymentAndRefund(api, 'openpayd', 1_000 + i, 'bench-cost'));
      return measureCost({
        client,
        metricsUrl: `http://127.0.0.1:${serverMetricsPort}/metrics`,
        serverPid: server.process.pid,
        runs,
        bare: {
          workerPid: bareWorker.child.pid,
          one: async () => {
            const workflowId = `bare-${randomUUID()}`;
            await client.workflow.execute('bare', { taskQueue: `bench-bare-${name}`, workflowId });
            return { workflowId, others: [] };
          },
        },
        refund: {
          workerPid: refundWorker.child.pid,
          workerMetricsUrl: `http://127.0.0.1:${refundMetricsPort}/metrics`,
          one: async (i) => {
            const request = requests[i + 1]!;
            await refunds.start(request);
            await refunds.waitForOutcome(request.refundId);
            return {
              workflowId: `refund-${request.refundId}`,
              others: [paymentGuardWorkflowId(request.provider, request.paymentId)],
            };
          },
        },
      });
    };
    return { refunds, compare, warmUp, stop, cost };
  }

  async function run(): Promise<void> {
    if (PHASES.has('throughput') || PHASES.has('history') || PHASES.has('cost')) {
      const pair = await startPair('defaults', {});
      if (PHASES.has('throughput')) {
        log('throughput: warm-up');
        await pair.warmUp();
        report.throughput = [];
        for (const level of LEVELS) report.throughput.push(await pair.compare(level));
      }
      if (PHASES.has('history')) report.historyEventsPerHappyPath = await historyOfHappyPaths(pair.refunds);
      if (PHASES.has('cost')) {
        log(`cost: ${COST_RUNS} bare, then ${COST_RUNS} refunds, one at a time`);
        report.cost = await pair.cost(COST_RUNS);
      }
      await pair.stop();
    }

    if (PHASES.has('tuning')) {
      report.tuning = [];
      for (const [name, tuning] of Object.entries(TUNINGS)) {
        const pair = await startPair(name.replace(/[^a-zA-Z0-9]+/g, '-'), tuning);
        await pair.warmUp();
        report.tuning.push({ tuning: name, ...(await pair.compare(4)) });
        await pair.stop();
      }
    }

    if (PHASES.has('review')) {
      const stack = await startReviewStack(logger, bundle);
      try {
        report.secpaidReview = [];
        for (const days of REVIEW_DAYS) {
          const figures = await stack.review(days);
          log(`review: ${days} days: ${figures.events} events, ${figures.polls} reads, ${figures.outcome}`);
          report.secpaidReview.push({ days, ...figures });
        }
      } finally {
        await stack.close();
      }
    }

    if (PHASES.has('waiting')) {
      // The long phase: what came before it is on disk first.
      save(report);
      const waiting = await measureWaiting(
        { client, api, sandboxUrl, traffic, temporalAddress: server.address, workflowBundle: bundle, logDir: dir, log },
        WAITING_REFUNDS,
        WAITING_WORKERS,
        WAITING_MINUTES,
        WAITING_CACHE === undefined ? {} : { WORKER_MAX_CACHED_WORKFLOWS: WAITING_CACHE }
      );
      // Written before the workers' teardown, so that a teardown gone wrong never loses the run;
      // the workers are stopped whatever the write does.
      try {
        report.waiting = waiting.figures;
        save(report);
      } finally {
        report.waiting = await waiting.stop();
      }
    }

    if (PHASES.has('cluster')) {
      save(report);
      report.cluster = await onCluster();
    }

    process.stdout.write(save(report));
  }

  /** The throughput comparison on the PostgreSQL cluster's Temporal server (no workers of its own). */
  async function onCluster(): Promise<NonNullable<Report['cluster']>> {
    // A folder of its own, not under the bench's: as root, PostgreSQL's user must be able to enter
    // every folder above its data, and the bench's mkdtemp folder is 0700.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'refunds-bench-cluster-'));
    try {
      return await clusterIn(dataDir);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  async function clusterIn(dataDir: string): Promise<NonNullable<Report['cluster']>> {
    const settings = clusterEnv.parse({
      CLUSTER_DATA_DIR: dataDir,
      CLUSTER_POSTGRES_PORT: String(await freePort()),
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePortIn(MIN_FRONTEND_PORT, MAX_FRONTEND_PORT - 800)}`,
    });
    log(
      `cluster: PostgreSQL and Temporal's server ${TEMPORAL_SERVER_VERSION} (npm run cluster's), ${settings.TEMPORAL_ADDRESS}`
    );
    const cluster = await startCluster(settings, logger, { services: 'temporal' });
    const connection = await Connection.connect({ address: settings.TEMPORAL_ADDRESS }).catch(async (err: unknown) => {
      await cluster.stop('the bench could not connect to it');
      throw err;
    });
    try {
      const { temporal, postgresql } = cluster.file.pids;
      const target: ServerTarget = {
        address: settings.TEMPORAL_ADDRESS,
        client: new Client({ connection }),
        cpuMs: () => cpuMs(temporal) + treeCpuMs(postgresql),
      };
      const pair = await startPair('cluster', {}, target);
      try {
        log('cluster: warm-up');
        await pair.warmUp();
        const throughput: Comparison[] = [];
        for (const level of LEVELS) throughput.push(await pair.compare(level));
        return {
          server: `temporal-server ${TEMPORAL_SERVER_VERSION} on PostgreSQL (${cluster.file.temporalAddress}), 4 history shards, as compose runs it`,
          throughput,
        };
      } finally {
        await pair.stop();
      }
    } finally {
      await connection.close();
      await cluster.stop('the bench is done with it');
    }
  }

  /** Writes bench/results/bench-<date>.{json,md} (again, as each late figure comes in); returns the markdown. */
  function save(done: Report): string {
    const results = path.join(__dirname, 'results');
    mkdirSync(results, { recursive: true });
    const stamp = done.date.replace(/:/g, '-').slice(0, 19);
    writeFileSync(path.join(results, `bench-${stamp}.json`), `${JSON.stringify(done, null, 2)}\n`);
    const md = markdown(done);
    writeFileSync(path.join(results, `bench-${stamp}.md`), md);
    log(`bench/results/bench-${stamp}.{json,md}`);
    return md;
  }

  /** One happy path per provider, to its end, and the events in its history. */
  async function historyOfHappyPaths(refunds: RefundsClient): Promise<Record<string, number>> {
    const history: Record<string, number> = {};
    for (const provider of providerNames) {
      const request = await paymentAndRefund(api, provider, 2_500, `bench-history-${provider}`);
      await refunds.start(request);
      for (;;) {
        const state = await refunds.get(request.refundId);
        if (state.status === 'SUCCEEDED') break;
        await settleAtProvider(api, state).catch(() => undefined); // already decided: wait for the read
        await new Promise((r) => setTimeout(r, 200));
      }
      history[provider] =
        (await client.workflow.getHandle(`refund-${request.refundId}`).fetchHistory()).events?.length ?? 0;
      log(`history: ${provider}: ${history[provider]} events`);
    }
    return history;
  }
}

const lat = (f: RunFigures): string => `${f.latencyMs.p50} / ${f.latencyMs.p95} / ${f.latencyMs.p99}`;

function markdown(r: Report): string {
  const out = [
    `# Benchmark ${r.date}`,
    '',
    `Machine model: **${r.machineModel}** (${r.machine}). Server: ${r.devServer}. Workers: ${r.workers}.`,
    '',
    `Each comparison is ${r.rounds} rounds of bare then refund, back to back; rates and ratios are the medians of the rounds (the ratio with its min and max), latencies are over every run of every round.`,
    '',
  ];
  const comparisonHeader = [
    'bare /s',
    'refund /s',
    'ratio (median)',
    'ratio min / max',
    'ratio by round',
    'bare p50/p95/p99 ms',
    'refund p50/p95/p99 ms',
    'bare worker peak RSS MB',
    'refund worker peak RSS MB',
  ];
  const comparisonCells = (t: Comparison) => [
    t.bare.perSecond,
    t.refund.perSecond,
    `**${t.ratio}**`,
    `${t.ratioMin} / ${t.ratioMax}`,
    t.ratioByRound.join(' / '),
    lat(t.bare),
    lat(t.refund),
    t.bare.workerPeakRssMb,
    t.refund.workerPeakRssMb,
  ];
  if (r.throughput) {
    out.push('## Throughput and latency, SDK defaults', '');
    out.push(row(['load (concurrency)', ...comparisonHeader]), row(Array(10).fill('---')));
    for (const t of r.throughput) out.push(row([`${t.level} (${t.refund.concurrency})`, ...comparisonCells(t)]));
    out.push('');
    out.push('CPU per workflow run, ms (Temporal server / worker process / driver: client and sandbox):', '');
    out.push(row(['load', 'bare', 'refund', 'refund ÷ bare, all parts']), row(Array(4).fill('---')));
    const cpu = (c: CpuSample) => `${c.server} / ${c.worker} / ${c.driver}`;
    const total = (c: CpuSample) => c.server + c.worker + c.driver;
    for (const t of r.throughput) {
      const ratio = (total(t.refund.cpuMsPerRun) / total(t.bare.cpuMsPerRun)).toFixed(2);
      out.push(row([t.level, cpu(t.bare.cpuMsPerRun), cpu(t.refund.cpuMsPerRun), ratio]));
    }
    out.push('');
  }
  if (r.cluster) {
    out.push(`## Throughput and latency on PostgreSQL: ${r.cluster.server}`, '');
    out.push(
      row(['load (concurrency)', ...comparisonHeader, 'refund /s, dev server (same run)']),
      row(Array(11).fill('---'))
    );
    for (const t of r.cluster.throughput) {
      const dev = r.throughput?.find((d) => d.level === t.level);
      out.push(row([`${t.level} (${t.refund.concurrency})`, ...comparisonCells(t), dev?.refund.perSecond ?? '—']));
    }
    out.push('');
    out.push('CPU per workflow run, ms (Temporal server with PostgreSQL / worker process / driver):', '');
    out.push(row(['load', 'bare', 'refund']), row(Array(3).fill('---')));
    for (const t of r.cluster.throughput) {
      const cpu = (c: CpuSample) => `${c.server} / ${c.worker} / ${c.driver}`;
      out.push(row([t.level, cpu(t.bare.cpuMsPerRun), cpu(t.refund.cpuMsPerRun)]));
    }
    out.push('');
  }
  if (r.tuning) {
    out.push(`## Worker tuning, at 4× (${r.baseConcurrency * 4} at a time)`, '');
    out.push(row(['tuning', ...comparisonHeader]), row(Array(10).fill('---')));
    for (const t of r.tuning) out.push(row([t.tuning, ...comparisonCells(t)]));
    out.push('');
  }
  if (r.historyEventsPerHappyPath) {
    out.push('## History events, happy path', '', row(['provider', 'events']), row(['---', '---']));
    for (const [p, n] of Object.entries(r.historyEventsPerHappyPath)) out.push(row([p, n]));
    out.push('');
  }
  if (r.cost) out.push(...costMarkdown(r.cost));
  if (r.secpaidReview) {
    out.push('## SecPaid review on the time-skipping server (production defaults)', '');
    out.push(row(['days in review', 'history events', 'status reads', 'SLA attention raised', 'outcome']));
    out.push(row(Array(5).fill('---')));
    for (const v of r.secpaidReview)
      out.push(row([v.days, v.events, v.polls, v.attentionRaised ? 'yes' : 'no', v.outcome]));
    out.push('');
  }
  if (r.waiting) {
    const w = r.waiting;
    const tuning =
      Object.entries(w.tuning)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'SDK defaults';
    out.push(`## ${w.refunds} SecPaid refunds waiting for review, ${w.workers} worker processes (${tuning})`, '');
    out.push(row(['figure', 'value']), row(['---', '---']));
    out.push(row(['all started in', `${w.startSeconds} s`]));
    out.push(row(['observed for', `${w.observedMinutes} min from the first start`]));
    out.push(
      row([
        'SecPaid calls (refund requests / status reads)',
        `${w.secpaidCalls} (${w.refundRequests} / ${w.statusReads})`,
      ])
    );
    out.push(row(['most calls in any 60 s', `**${w.maxCallsInAnyMinute}** (limit 60)`]));
    out.push(row(['mean calls a minute', w.meanCallsPerMinute]));
    out.push(row(['HTTP 429 from SecPaid', `**${w.http429}**`]));
    out.push(row(["submissions' share of the calls (goal ≥ 0.9)", `**${w.submissionShare}**`]));
    out.push(row(['reconciler: account pages / single-link reads', `${w.accountPages} / ${w.linkReads}`]));
    out.push(
      row([
        'reconciler: last complete pass',
        w.reconcilerPass
          ? `${w.reconcilerPass.pages} pages, ${w.reconcilerPass.rows} rows, ${w.reconcilerPass.woken} woken (${w.reconcilerPasses} passes)`
          : 'none',
      ])
    );
    out.push(row(['reconciler: history events a day', w.reconcilerEventsPerDay]));
    out.push(row(['one approval among them: to SUCCEEDED', `**${w.approvalToSucceededSeconds ?? 'not seen'} s**`]));
    out.push(
      row([
        'until every one has been checked once (projected)',
        `**${(w.secondsUntilAllChecked / 3600).toFixed(1)} h**`,
      ])
    );
    out.push(row(['in PENDING_REVIEW at the end', w.pendingReviewAtEnd]));
    out.push(row(['worker RSS at the end / peak, MB', w.workerRssMb.map((m) => `${m.end} / ${m.peak}`).join('; ')]));
    out.push(
      row([
        'SIGTERM to exit, per worker (all refunds still open)',
        w.workerShutdowns === undefined
          ? 'not yet stopped'
          : w.workerShutdowns
              .map((x) => `${x.seconds} s${x.killed ? ' (SIGKILLed)' : ` (exit ${String(x.exit)})`}`)
              .join('; '),
      ])
    );
    out.push(
      row([
        'sticky cache (per worker)',
        w.stickyCache
          .map((c) =>
            Object.entries(c)
              .map(([k, v]) => `${k.replace('temporal_sticky_cache_', '')} ${v}`)
              .join(', ')
          )
          .join('; '),
      ])
    );
    out.push(row(['projected time until every one has been read once', `${w.projectedHoursUntilAllReadOnce} h`]));
    const open = (o: WaitingFigures['openWorkflows']['atEnd']) =>
      `refund ${o.refund}, paymentGuard ${o.paymentGuard}, paymentGuardResume ${o.paymentGuardResume}`;
    out.push(row(['running workflows once all had started', open(w.openWorkflows.afterStart)]));
    out.push(
      row([
        `running workflows at the end (guards' quiet window ${w.guardQuietWindowMs / 1000} s)`,
        open(w.openWorkflows.atEnd),
      ])
    );
    out.push('');
  }
  return out.join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
