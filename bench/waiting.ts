/**
 * Figure 4 of the benchmark: many SecPaid refunds waiting for SecPaid's admin at once, with
 * production settings (time scale 1: SecPaid's reconciler passing every 5 min at 10 % of SecPaid's
 * 0.9 requests a second across all workers, the submissions at the rest). Measures what the workers
 * hold, what the sticky cache does, and what actually reaches SecPaid: calls per minute (its limit
 * is 60), the submissions' share, 429s, and how soon an approval among them is seen.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import type { Client } from '@temporalio/client';

import { RefundsClient } from '../src/client';
import { PAYMENT_GUARD_TASK_QUEUE_SUFFIX, reconcilerStateQuery, secpaidReconcilerWorkflowId } from '../src/contract';
import type { PassFigures } from '../src/providers/secpaid/reconciler-state';
import type { RefundRequestInput } from '../src/providers';
import type { SandboxApi } from '../harness/sandbox-api';
import { freePort } from '../src/dev/ports';
import { WORKER_STOP_BOUND_MS, startWorkerProcess } from '../harness/processes';
import { pool } from '../harness/waits';
import type { StopResult, WorkerProcess } from '../harness/processes';

import { rssMb } from './process-stats';

/** What reached the sandbox's SecPaid routes: when, and with which HTTP status. */
export interface SecpaidTraffic {
  readonly calls: readonly { readonly at: number; readonly status: number; readonly endpoint: string }[];
}

export interface WaitingFigures {
  readonly refunds: number;
  /** The worker settings of this run (WORKER_*), none meaning the SDK's defaults. */
  readonly tuning: Readonly<Record<string, string>>;
  readonly workers: number;
  readonly startSeconds: number;
  readonly observedMinutes: number;
  readonly secpaidCalls: number;
  readonly refundRequests: number;
  readonly statusReads: number;
  readonly maxCallsInAnyMinute: number;
  readonly meanCallsPerMinute: number;
  readonly http429: number;
  /** Of the calls while submissions were queued, the share that were submissions (goal ≥ 0.9). */
  readonly submissionShare: number;
  /** The reconciler's pages of the account, and reads of single links (woken refunds), in the run. */
  readonly accountPages: number;
  readonly linkReads: number;
  /** The reconciler's last complete pass (pages, rows, woken) and its passes in the run. */
  readonly reconcilerPass: PassFigures | null;
  readonly reconcilerPasses: number;
  /** History events of the reconciler a day, projected from its history in the run. */
  readonly reconcilerEventsPerDay: number;
  /** One refund among them, approved at the sandbox during the run: seconds until SUCCEEDED. */
  readonly approvalToSucceededSeconds: number | null;
  /**
   * Until every refund has been checked once: all submitted (at the rate measured), then one
   * reconciler pass (its interval and its last pass's length). Projected past the run.
   */
  readonly secondsUntilAllChecked: number;
  readonly pendingReviewAtEnd: number;
  readonly workerRssMb: readonly { readonly end: number; readonly peak: number }[];
  readonly stickyCache: readonly Record<string, number>[];
  readonly projectedHoursUntilAllReadOnce: number;
  /** Running workflows of this phase by type: once every refund has started, and at the end (past the guards' quiet window). */
  readonly openWorkflows: { readonly afterStart: OpenWorkflows; readonly atEnd: OpenWorkflows };
  /** The waiting workers' PAYMENT_GUARD_QUIET_WINDOW_MS. */
  readonly guardQuietWindowMs: number;
  readonly samples: readonly {
    readonly minute: number;
    readonly calls: number;
    readonly pendingReview: number;
    readonly rssMb: readonly number[];
  }[];
  /** The slowest worker's SIGTERM to exit, once the figures above were written; absent until then. */
  readonly workerShutdownSeconds?: number;
  readonly workerShutdowns?: readonly StopResult[];
}

/** The figures, and the workers still running under them (`stop` SIGTERMs them, bounded). */
export interface WaitingRun {
  readonly figures: WaitingFigures;
  stop(): Promise<WaitingFigures>;
}

export interface WaitingContext {
  readonly client: Client;
  readonly api: SandboxApi;
  readonly sandboxUrl: string;
  readonly traffic: SecpaidTraffic;
  readonly temporalAddress: string;
  readonly workflowBundle: string;
  readonly logDir: string;
  readonly log: (msg: string) => void;
}

/** Running workflows by type. */
export type OpenWorkflows = Readonly<Record<'refund' | 'paymentGuard' | 'paymentGuardResume', number>>;

/** The reconciler's pass interval: production's. */
const RECONCILE_INTERVAL_MS = 300_000;

/** The guards' quiet window in this phase: shorter than the observation, so that they close within it. */
const GUARD_QUIET_WINDOW_MS = Number(process.env.BENCH_GUARD_QUIET_WINDOW_MS ?? 120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The largest number of calls inside any 60-second window (the way SecPaid counts). */
export function maxInAnyMinute(times: readonly number[]): number {
  let max = 0;
  let from = 0;
  for (let to = 0; to < times.length; to += 1) {
    while (times[to]! - times[from]! >= 60_000) from += 1;
    max = Math.max(max, to - from + 1);
  }
  return max;
}

/** Sums the worker's `sticky_cache` series over their labels (task queues), from its Prometheus endpoint. */
async function stickyCache(metricsPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const sums: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(temporal_sticky_cache_[a-z_]+)(?:\{[^}]*\})?\s+([\d.e+-]+)$/.exec(line);
    if (match?.[1] && match[2]) sums[match[1]] = (sums[match[1]] ?? 0) + Number(match[2]);
  }
  return sums;
}

export async function measureWaiting(
  ctx: WaitingContext,
  total: number,
  workerCount: number,
  observeMinutes: number,
  tuning: Readonly<Record<string, string>> = {}
): Promise<WaitingRun> {
  const taskQueue = 'bench-waiting';
  const metricsPorts = await Promise.all(Array.from({ length: workerCount }, () => freePort()));
  mkdirSync(ctx.logDir, { recursive: true });
  const workers: WorkerProcess[] = [];
  const stopWorkers = (): Promise<StopResult[]> => Promise.all(workers.map((w) => w.stop(WORKER_STOP_BOUND_MS)));
  try {
    for (const [i, port] of metricsPorts.entries()) {
      workers.push(
        await startWorkerProcess({
          name: `bench-waiting-worker-${i}`,
          logFile: path.join(ctx.logDir, `waiting-worker-${i}.log`),
          temporalAddress: ctx.temporalAddress,
          taskQueue,
          sandboxUrl: ctx.sandboxUrl,
          workflowBundle: ctx.workflowBundle,
          timeScale: 1,
          // Production's level and SecPaid limit; a metrics endpoint to read the sticky cache from.
          env: {
            LOG_LEVEL: 'info',
            SECPAID_MAX_REQUESTS_PER_SECOND: '0.9',
            SECPAID_RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
            SECPAID_RECONCILE_READ_SHARE: '0.1',
            METRICS_PORT: String(port),
            PAYMENT_GUARD_QUIET_WINDOW_MS: String(GUARD_QUIET_WINDOW_MS),
            ...tuning,
          },
        })
      );
    }
    const refunds = new RefundsClient(ctx.client, { taskQueue });
    const requests: RefundRequestInput[] = new Array<RefundRequestInput>(total);
    await pool(total, 32, async (i) => {
      const amountMinor = 1_000 + (i % 5_000);
      requests[i] = {
        provider: 'secpaid',
        refundId: `bench-waiting-${i}-${Date.now().toString(36)}`,
        paymentId: await ctx.api.secpaidLink(amountMinor),
        amount: { amountMinor, currency: 'EUR' },
        full: true,
      };
    });
    ctx.log(`waiting: ${total} SecPaid payments made; starting ${total} refunds on ${workerCount} workers`);
    const callsBefore = ctx.traffic.calls.length;
    const t0 = Date.now();
    let started = 0;
    await pool(total, 64, async (i) => {
      await refunds.start(requests[i]!);
      started += 1;
      if (started % 1_000 === 0) ctx.log(`waiting: ${started} started`);
    });
    const startSeconds = (Date.now() - t0) / 1000;
    ctx.log(`waiting: ${total} started in ${startSeconds.toFixed(0)} s; observing ${observeMinutes} min`);

    const open = async (): Promise<OpenWorkflows> => {
      const running = async (type: string, queue: string) =>
        (
          await ctx.client.workflow.count(
            `WorkflowType = '${type}' AND TaskQueue = '${queue}' AND ExecutionStatus = 'Running'`
          )
        ).count;
      return {
        refund: await running('refund', taskQueue),
        paymentGuard: await running('paymentGuard', `${taskQueue}-${PAYMENT_GUARD_TASK_QUEUE_SUFFIX}`),
        paymentGuardResume: await running('paymentGuardResume', `${taskQueue}-${PAYMENT_GUARD_TASK_QUEUE_SUFFIX}`),
      };
    };
    // Visibility shows the last starts a moment later.
    await sleep(2_000);
    const openAfterStart = await open();
    ctx.log(`waiting: running after the starts: ${JSON.stringify(openAfterStart)}`);
    const pending = async (): Promise<number> =>
      (await ctx.client.workflow.count(`TaskQueue = '${taskQueue}' AND RefundStatus = 'PENDING_REVIEW'`)).count;
    const samples: WaitingFigures['samples'][number][] = [];
    const observeFrom = Date.now();
    const readsBefore = await ctx.api.secpaidReads();
    // One refund among them, approved by SecPaid's admin a minute into the run: how soon it is seen.
    let approval: { at: number; succeededAt: number | null } | undefined;
    const approveOne = async (): Promise<void> => {
      const first = requests[0]!;
      await ctx.api.call('POST', `/_sandbox/secpaid/refunds/${first.paymentId}/approve`, {});
      approval = { at: Date.now(), succeededAt: null };
      const outcome = await refunds.waitForOutcome(first.refundId);
      if (outcome.status === 'SUCCEEDED') approval.succeededAt = Date.now();
    };
    let approving: Promise<void> | undefined;
    for (let minute = 1; minute <= observeMinutes; minute += 1) {
      await sleep(60_000 - ((Date.now() - observeFrom) % 60_000));
      const sample = {
        minute,
        calls: ctx.traffic.calls.length - callsBefore,
        pendingReview: await pending(),
        rssMb: workers.map((w) => rssMb(w.child.pid).rss),
      };
      samples.push(sample);
      if (minute === 1) approving = approveOne().catch((err: unknown) => ctx.log(`waiting: approval: ${String(err)}`));
      ctx.log(
        `waiting: minute ${minute}: ${sample.calls} SecPaid calls, ${sample.pendingReview} in review, RSS ${sample.rssMb.join(' / ')} MB`
      );
    }
    // The approved refund has until one more pass to be seen (a timer that keeps nobody waiting once it was).
    await Promise.race([approving, new Promise((r) => setTimeout(r, RECONCILE_INTERVAL_MS + 60_000).unref())]);
    const calls = ctx.traffic.calls.slice(callsBefore);
    const elapsedMinutes = (Date.now() - t0) / 60_000;
    const readsAfter = await ctx.api.secpaidReads();
    const sum = (r: Readonly<Record<string, number>>): number => Object.values(r).reduce((a, b) => a + b, 0);
    const reconciler = ctx.client.workflow.getHandle(secpaidReconcilerWorkflowId(taskQueue));
    const reconcilerState = await reconciler.query(reconcilerStateQuery);
    const reconcilerHistory = await reconciler.fetchHistory();
    const eventTimes = (reconcilerHistory.events ?? []).map(
      (e) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6
    );
    const historySpanMs = Math.max(1, (eventTimes.at(-1) ?? 0) - (eventTimes[0] ?? 0));
    const submissionsPerMinute =
      calls.filter((c) => c.endpoint === 'refund' && c.status === 200).length / elapsedMinutes;
    const submittedAll = calls.filter((c) => c.endpoint === 'refund' && c.status === 200).length;
    const lastPass = reconcilerState.lastCompletePass;
    const passSeconds = lastPass ? (Date.parse(lastPass.finishedAt) - Date.parse(lastPass.startedAt)) / 1000 : 0;
    const refundRequests = calls.filter((c) => c.endpoint === 'refund' && c.status === 200).length;
    const statusReads = calls.filter((c) => c.endpoint === 'transactions' && c.status === 200).length;
    const perMinute = calls.length / elapsedMinutes;
    // Every refund needs one request and one read before all have been read once; what is left
    // goes at the rate measured (later 4-hourly reads of early refunds would only add to it).
    const left = 2 * total - refundRequests - Math.min(statusReads, total);
    const figures: WaitingFigures = {
      refunds: total,
      tuning,
      workers: workerCount,
      startSeconds: Math.round(startSeconds),
      observedMinutes: Number(elapsedMinutes.toFixed(1)),
      secpaidCalls: calls.length,
      refundRequests,
      statusReads,
      maxCallsInAnyMinute: maxInAnyMinute(calls.map((c) => c.at)),
      meanCallsPerMinute: Number(perMinute.toFixed(1)),
      http429: calls.filter((c) => c.status === 429).length,
      submissionShare: Number(
        (calls.filter((c) => c.endpoint === 'refund').length / Math.max(1, calls.length)).toFixed(3)
      ),
      accountPages: readsAfter.pages - readsBefore.pages,
      linkReads: sum(readsAfter.byPayId) - sum(readsBefore.byPayId),
      reconcilerPass: lastPass,
      reconcilerPasses: reconcilerState.passes,
      reconcilerEventsPerDay: Math.round((eventTimes.length / historySpanMs) * 86_400_000),
      approvalToSucceededSeconds:
        approval?.succeededAt == null ? null : Number(((approval.succeededAt - approval.at) / 1000).toFixed(1)),
      secondsUntilAllChecked: Math.round(
        elapsedMinutes * 60 +
          (Math.max(0, total - submittedAll) / Math.max(1e-9, submissionsPerMinute)) * 60 +
          RECONCILE_INTERVAL_MS / 1000 +
          passSeconds
      ),
      pendingReviewAtEnd: await pending(),
      workerRssMb: workers.map((w) => {
        const { rss, peak } = rssMb(w.child.pid);
        return { end: rss, peak };
      }),
      stickyCache: await Promise.all(metricsPorts.map((port) => stickyCache(port))),
      projectedHoursUntilAllReadOnce: Number(((elapsedMinutes + left / perMinute) / 60).toFixed(1)),
      openWorkflows: { afterStart: openAfterStart, atEnd: await open() },
      guardQuietWindowMs: GUARD_QUIET_WINDOW_MS,
      samples,
    };
    return {
      figures,
      async stop() {
        // The deploy under load: SIGTERM to every worker at once, with 10,000 refunds open.
        const stops = await stopWorkers();
        ctx.log(`waiting: workers stopped: ${stops.map((s) => `${s.seconds} s (${String(s.exit)})`).join(', ')}`);
        return { ...figures, workerShutdownSeconds: Math.max(...stops.map((s) => s.seconds)), workerShutdowns: stops };
      },
    };
  } catch (err) {
    await stopWorkers();
    throw err;
  }
}
