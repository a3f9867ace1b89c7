/**
 * `npm run bench`: the product measured against the engine it runs on, on this machine, in one run.
 *
 * - Throughput and latency: OpenPayd refunds end to end (client start → worker → sandbox over HTTP →
 *   final state) against a bare one-activity workflow (no-op activity), on the same dev server, at
 *   1×, 4× and 16× a base concurrency; each side has a worker process of its own with the SDK's
 *   default options. The dev server runs on a SQLite file with the pragmas Temporal's own load
 *   tests use: journal_mode=WAL, synchronous=OFF.
 * - History cost: events per refund on each provider's happy path.
 *
 * Writes bench/results/bench-<date>.json and .md. A benchmark, not a test: nothing here asserts.
 * Options (env): BENCH_BASE_CONCURRENCY (16), BENCH_PER_LEVEL (refunds per concurrency level: 20×).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';

import { RefundsClient } from '../src/client';
import { startDevServer } from '../src/dev/dev-server';
import { ensureTemporalCli } from '../src/dev/temporal-cli';
import { createLogger } from '../src/logger';
import type { RefundRequestInput } from '../src/refunds/request';
import { paymentAndRefund, providerNames, settleAtProvider } from '../test/support/payments';
import { freePort } from '../test/support/ports';
import { startWorkerProcess } from '../test/support/processes';
import type { WorkerProcess } from '../test/support/processes';
import { startSandbox } from '../test/support/sandbox';
import { SandboxApi } from '../test/support/sandbox-api';

const BASE = Number(process.env.BENCH_BASE_CONCURRENCY ?? 16);
const PER_LEVEL = Number(process.env.BENCH_PER_LEVEL ?? 20);
const LEVELS = [1, 4, 16];
const PRAGMAS = ['journal_mode=WAL', 'synchronous=OFF'];

const log = (msg: string): void => {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

interface RunFigures {
  readonly concurrency: number;
  readonly completed: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly workerRssMb: number;
  readonly workerPeakRssMb: number;
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

function rssMb(pid: number | undefined): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid ?? 0}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

/** `total` runs of `one`, `concurrency` at a time; throughput over the whole, latency of each. */
async function measure(
  concurrency: number,
  total: number,
  one: (i: number) => Promise<void>,
  worker: WorkerProcess
): Promise<RunFigures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        await one(i);
        latencies.push(performance.now() - t0);
      }
    })
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const { rss, peak } = rssMb(worker.child.pid);
  return {
    concurrency,
    completed: total,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Number((total / seconds).toFixed(1)),
    latencyMs: {
      p50: Math.round(percentile(latencies, 50)),
      p95: Math.round(percentile(latencies, 95)),
      p99: Math.round(percentile(latencies, 99)),
    },
    workerRssMb: rss,
    workerPeakRssMb: peak,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'refunds-bench-'));
  const logger = createLogger({ level: 'warn', pretty: false, name: 'bench' });
  const cli = await ensureTemporalCli(log);
  const server = await startDevServer({
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
  const { sandbox, url: sandboxUrl } = await startSandbox();
  const api = new SandboxApi(sandboxUrl);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });

  const refundQueue = 'bench-refunds';
  const refundWorker = await startWorkerProcess({
    name: 'bench-refund-worker',
    logFile: path.join(dir, 'refund-worker.log'),
    temporalAddress: server.address,
    taskQueue: refundQueue,
    sandboxUrl,
    workflowBundle: bundle,
    env: { LOG_LEVEL: 'info', SECPAID_MAX_REQUESTS_PER_SECOND: '1' }, // production's level
  });
  const bareQueue = 'bench-bare';
  const bareWorker = await startWorkerProcess({
    name: 'bench-bare-worker',
    logFile: path.join(dir, 'bare-worker.log'),
    temporalAddress: server.address,
    taskQueue: bareQueue,
    sandboxUrl,
    script: path.join(__dirname, 'bare', 'worker.ts'),
  });
  const refunds = new RefundsClient(client, { taskQueue: refundQueue, timeScale: 0.0001 });
  try {
    await run();
  } finally {
    // Even after an error: no worker or server may outlive the benchmark (they would skew the next).
    await Promise.all([refundWorker.kill('SIGTERM'), bareWorker.kill('SIGTERM')]);
    await connection.close();
    await sandbox.app.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  async function run(): Promise<void> {
    const bareOne = async (): Promise<void> => {
      await client.workflow.execute('bare', { taskQueue: bareQueue, workflowId: `bare-${randomUUID()}` });
    };
    const refundRun = async (concurrency: number, total: number): Promise<RunFigures> => {
      const requests: RefundRequestInput[] = [];
      for (let i = 0; i < total; i += 1) requests.push(await paymentAndRefund(api, 'openpayd', 1_000 + i, 'bench'));
      return measure(
        concurrency,
        total,
        async (i) => {
          const request = requests[i]!;
          await refunds.start(request);
          await refunds.waitForOutcome(request.refundId);
        },
        refundWorker
      );
    };

    log('warm-up');
    await measure(BASE, BASE * 4, bareOne, bareWorker);
    await refundRun(BASE, BASE * 4);

    const throughput: { level: string; bare: RunFigures; refund: RunFigures; ratio: number }[] = [];
    for (const level of LEVELS) {
      const concurrency = BASE * level;
      const total = Math.max(concurrency * 3, BASE * PER_LEVEL);
      const bare = await measure(concurrency, total, bareOne, bareWorker);
      log(`bare ×${level} (${concurrency} at a time): ${bare.perSecond}/s, p50 ${bare.latencyMs.p50} ms`);
      const refund = await refundRun(concurrency, total);
      log(`refund ×${level} (${concurrency} at a time): ${refund.perSecond}/s, p50 ${refund.latencyMs.p50} ms`);
      throughput.push({
        level: `${level}×`,
        bare,
        refund,
        ratio: Number((refund.perSecond / bare.perSecond).toFixed(2)),
      });
    }

    // History cost: one happy path per provider.
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
      log(`${provider}: ${history[provider]} history events`);
    }

    const report = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, Linux ${os.release()}`,
      devServer: `temporal CLI (${cli.path}) server start-dev, SQLite file, --sqlite-pragma ${PRAGMAS.join(' --sqlite-pragma ')}`,
      workers:
        'one worker process per side, SDK defaults; refunds through OpenPayd (synchronous), per-payment guard on',
      baseConcurrency: BASE,
      throughput,
      historyEventsPerHappyPath: history,
    };
    const results = path.join(__dirname, 'results');
    mkdirSync(results, { recursive: true });
    const stamp = report.date.replace(/:/g, '-').slice(0, 19);
    writeFileSync(path.join(results, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
    const md = markdown(report);
    writeFileSync(path.join(results, `bench-${stamp}.md`), md);
    process.stdout.write(md);
    log(`bench/results/bench-${stamp}.{json,md}`);
  }
}

function markdown(r: {
  date: string;
  machine: string;
  devServer: string;
  workers: string;
  throughput: { level: string; bare: RunFigures; refund: RunFigures; ratio: number }[];
  historyEventsPerHappyPath: Record<string, number>;
}): string {
  const rows = r.throughput.map(
    (t) =>
      `| ${t.level} (${t.refund.concurrency}) | ${t.bare.perSecond} | ${t.refund.perSecond} | **${t.ratio}** | ` +
      `${t.bare.latencyMs.p50} / ${t.bare.latencyMs.p95} / ${t.bare.latencyMs.p99} | ` +
      `${t.refund.latencyMs.p50} / ${t.refund.latencyMs.p95} / ${t.refund.latencyMs.p99} | ` +
      `${t.bare.workerPeakRssMb} | ${t.refund.workerPeakRssMb} |`
  );
  return [
    `# Benchmark ${r.date}`,
    '',
    `Machine: ${r.machine}. Server: ${r.devServer}. Workers: ${r.workers}.`,
    '',
    '| load (concurrency) | bare /s | refund /s | ratio | bare p50/p95/p99 ms | refund p50/p95/p99 ms | bare worker peak RSS MB | refund worker peak RSS MB |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '| provider | history events, happy path |',
    '|---|---|',
    ...Object.entries(r.historyEventsPerHappyPath).map(([p, n]) => `| ${p} | ${n} |`),
    '',
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
