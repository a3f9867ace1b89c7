import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { cpuMs } from './process-stats';

/**
 * The `cost` phase: where a refund's extra cost goes, next to a bare workflow's. Runs are made one
 * at a time (no contention), and for each side it reads what the Temporal server counted in the
 * meantime (its own Prometheus endpoint): every RPC by operation with the server's time in it, and
 * every persistence write, which on SQLite is most of the server's work; the history events by
 * type, the refund's and its payment guard's; and CPU per run from /proc.
 */
export interface SideCost {
  readonly runs: number;
  /** Frontend RPCs per run, by operation, with the server's mean time in each (ms, long polls excluded). */
  readonly rpcs: Readonly<Record<string, { readonly perRun: number; readonly serverMs: number }>>;
  /** Persistence operations per run, by operation. */
  readonly persistence: Readonly<Record<string, number>>;
  /** History events of one run, by type: the workflow's own, and those it caused in others (the guard). */
  readonly events: Readonly<Record<string, number>>;
  readonly otherEvents: Readonly<Record<string, number>>;
  /** CPU per run, ms. */
  readonly cpuMsPerRun: { readonly server: number; readonly worker: number };
  /**
   * The worker's own time per run (SDK metrics, ms): workflow tasks by workflow type, activities and
   * local activities by type. Wall time inside the worker, not CPU; absent without worker metrics.
   */
  readonly workerMs?: Readonly<Record<string, { readonly perRun: number; readonly msEach: number }>>;
}

export interface CostFigures {
  readonly bare: SideCost;
  readonly refund: SideCost;
}

type Counters = Map<string, number>;

/** The server's counters: `<metric>|<operation>` summed over every other label. */
async function scrape(metricsUrl: string): Promise<Counters> {
  const text = await (await fetch(metricsUrl)).text();
  const counters: Counters = new Map();
  for (const line of text.split('\n')) {
    const m = /^(service_requests|service_latency_sum|persistence_requests)\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    if (!m) continue;
    const labels = m[2]!;
    if (m[1] !== 'persistence_requests' && !labels.includes('service_name="frontend"')) continue;
    const operation = /operation="([^"]+)"/.exec(labels)?.[1] ?? '?';
    const key = `${m[1]}|${operation}`;
    counters.set(key, (counters.get(key) ?? 0) + Number(m[3]));
  }
  return counters;
}

const LONG_POLLS = new Set(['PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'PollNexusTaskQueue']);
const round1 = (n: number): number => Number(n.toFixed(1));
const round2 = (n: number): number => Number(n.toFixed(2));

function perRun(before: Counters, after: Counters, runs: number): Pick<SideCost, 'rpcs' | 'persistence'> {
  const delta = (key: string): number => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const rpcs: Record<string, { perRun: number; serverMs: number }> = {};
  const persistence: Record<string, number> = {};
  for (const key of after.keys()) {
    const [metric, operation] = key.split('|') as [string, string];
    const count = delta(key);
    if (count <= 0) continue;
    if (metric === 'service_requests') {
      const seconds = delta(`service_latency_sum|${operation}`);
      rpcs[operation] = {
        perRun: round2(count / runs),
        serverMs: LONG_POLLS.has(operation) ? Number.NaN : round2((seconds * 1000) / count),
      };
    }
    if (metric === 'persistence_requests') persistence[operation] = round2(count / runs);
  }
  return { rpcs, persistence };
}

/** History events by type (`EVENT_TYPE_` dropped), of one workflow. */
async function eventsOf(client: Client, workflowId: string): Promise<Record<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const byType: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const name = temporal.api.enums.v1.EventType[event.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? '?';
    byType[name] = (byType[name] ?? 0) + 1;
  }
  return byType;
}

export interface CostSide {
  /** Makes run `i` and waits for its end; returns its workflow id, and the ids of what it caused elsewhere. */
  readonly one: (i: number) => Promise<{ readonly workflowId: string; readonly others: readonly string[] }>;
  readonly workerPid: number | undefined;
  /** The worker's Prometheus endpoint (METRICS_PORT), when it has one. */
  readonly workerMetricsUrl?: string;
}

/** The SDK's task latencies (ms): `<what>|<type>` → [count, sum]. */
async function scrapeWorker(url: string): Promise<Map<string, [number, number]>> {
  const text = await (await fetch(url)).text();
  const out = new Map<string, [number, number]>();
  const kinds: Record<string, [string, string]> = {
    temporal_workflow_task_execution_latency: ['workflow task', 'workflow_type'],
    temporal_activity_execution_latency: ['activity', 'activity_type'],
    temporal_local_activity_execution_latency: ['local activity', 'activity_type'],
  };
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)_(sum|count)\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    const kind = m && kinds[m[1]!];
    if (!m || !kind) continue;
    const type = new RegExp(`${kind[1]}="([^"]+)"`).exec(m[3]!)?.[1] ?? '?';
    const key = `${kind[0]}|${type}`;
    const entry = out.get(key) ?? [0, 0];
    entry[m[2] === 'count' ? 0 : 1] += Number(m[4]);
    out.set(key, entry);
  }
  return out;
}

export async function measureCost(opts: {
  readonly client: Client;
  readonly metricsUrl: string;
  readonly serverPid: number | undefined;
  readonly runs: number;
  readonly bare: CostSide;
  readonly refund: CostSide;
}): Promise<CostFigures> {
  const side = async (s: CostSide): Promise<SideCost> => {
    await s.one(-1); // warm
    const before = await scrape(opts.metricsUrl);
    const workerBefore = s.workerMetricsUrl === undefined ? undefined : await scrapeWorker(s.workerMetricsUrl);
    const cpuBefore = { server: cpuMs(opts.serverPid), worker: cpuMs(s.workerPid) };
    let last: { workflowId: string; others: readonly string[] } | undefined;
    for (let i = 0; i < opts.runs; i += 1) last = await s.one(i);
    const cpuAfter = { server: cpuMs(opts.serverPid), worker: cpuMs(s.workerPid) };
    // The server counts a request once it has answered; the last answers reach it a moment later.
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await scrape(opts.metricsUrl);
    let workerMs: Record<string, { perRun: number; msEach: number }> | undefined;
    if (workerBefore && s.workerMetricsUrl !== undefined) {
      workerMs = {};
      for (const [key, [count, sum]] of await scrapeWorker(s.workerMetricsUrl)) {
        const [count0, sum0] = workerBefore.get(key) ?? [0, 0];
        if (count - count0 <= 0) continue;
        workerMs[key.replace('|', ' ')] = {
          perRun: round2((count - count0) / opts.runs),
          msEach: round2((sum - sum0) / (count - count0)),
        };
      }
    }
    const otherEvents: Record<string, number> = {};
    // The others (a payment's guard) are shared by every refund of the payment: a run's share is
    // what the last run's own guard holds, which serves that one refund only.
    for (const id of last?.others ?? []) {
      for (const [type, n] of Object.entries(await eventsOf(opts.client, id)))
        otherEvents[type] = (otherEvents[type] ?? 0) + n;
    }
    return {
      runs: opts.runs,
      ...perRun(before, after, opts.runs),
      events: last ? await eventsOf(opts.client, last.workflowId) : {},
      otherEvents,
      cpuMsPerRun: {
        server: round1((cpuAfter.server - cpuBefore.server) / opts.runs),
        worker: round1((cpuAfter.worker - cpuBefore.worker) / opts.runs),
      },
      ...(workerMs && { workerMs }),
    };
  };
  return { bare: await side(opts.bare), refund: await side(opts.refund) };
}

/** One row of a markdown table. */
export const row = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;

/** The phase's markdown: RPCs, persistence operations and events per run, bare against refund. */
export function costMarkdown(c: CostFigures): string[] {
  const table = (
    title: string,
    bare: Readonly<Record<string, number>>,
    refund: Readonly<Record<string, number>>,
    extra?: (key: string) => string
  ): string[] => {
    const keys = [...new Set([...Object.keys(bare), ...Object.keys(refund)])].sort(
      (a, b) => (refund[b] ?? 0) - (bare[b] ?? 0) - ((refund[a] ?? 0) - (bare[a] ?? 0))
    );
    const out = [
      `### ${title}`,
      '',
      row(['', 'bare', 'refund', 'extra', ...(extra ? ['server ms each (bare / refund)'] : [])]),
    ];
    out.push(row(Array(extra ? 5 : 4).fill('---')));
    for (const k of keys) {
      const b = bare[k] ?? 0;
      const r = refund[k] ?? 0;
      out.push(row([k, b, r, round2(r - b), ...(extra ? [extra(k)] : [])]));
    }
    const sum = (x: Readonly<Record<string, number>>) => round2(Object.values(x).reduce((n, v) => n + v, 0));
    out.push(row(['**total**', sum(bare), sum(refund), round2(sum(refund) - sum(bare)), ...(extra ? [''] : [])]), '');
    return out;
  };
  const counts = (s: SideCost) => Object.fromEntries(Object.entries(s.rpcs).map(([k, v]) => [k, v.perRun]));
  const ms = (s: SideCost, k: string) => {
    const v = s.rpcs[k]?.serverMs;
    return v === undefined ? '–' : Number.isNaN(v) ? 'long poll' : String(v);
  };
  return [
    `## Cost of one run, refund against bare (${c.refund.runs} runs each, one at a time)`,
    '',
    `CPU per run, ms (server / worker): bare ${c.bare.cpuMsPerRun.server} / ${c.bare.cpuMsPerRun.worker}, refund ${c.refund.cpuMsPerRun.server} / ${c.refund.cpuMsPerRun.worker}.`,
    '',
    ...table('Frontend RPCs per run', counts(c.bare), counts(c.refund), (k) => `${ms(c.bare, k)} / ${ms(c.refund, k)}`),
    ...(c.refund.workerMs
      ? [
          "### The refund worker's own time per run (SDK metrics; wall time in the worker)",
          '',
          row(['task', 'per run', 'ms each', 'ms per run']),
          row(Array(4).fill('---')),
          ...Object.entries(c.refund.workerMs).map(([k, v]) =>
            row([k, v.perRun, v.msEach, round1(v.perRun * v.msEach)])
          ),
          '',
        ]
      : []),
    ...table('Persistence operations per run', c.bare.persistence, c.refund.persistence),
    ...table('History events of the workflow itself', c.bare.events, c.refund.events),
    ...table(
      "History events caused in other workflows (the payment's guard)",
      c.bare.otherEvents,
      c.refund.otherEvents
    ),
  ];
}
