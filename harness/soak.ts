/**
 * The soak's run (`npm run soak` on the dev server, `npm run test:cluster` on the PostgreSQL
 * cluster): refunds across the five providers with a share of provider calls failing on purpose,
 * two workers SIGKILLed and the Temporal server restarted along the way. A driver plays the
 * providers' people (SecPaid's admin approves, SandPay's network settles PENDING) and the
 * operators (a refund that needs attention is resolved from the provider's back office, the
 * sandbox ledger, after a while). It then compares the orchestrator with the provider side, payment
 * by payment: a refund lost, refunded twice, or with a final status or amount the provider's ledger
 * contradicts (a FAILED refund with money at the provider counts unless its money is still watched).
 */
import os from 'node:os';

import type { Client } from '@temporalio/client';

import { RefundsClient } from '../src/client';
import { refundWatchWorkflowId } from '../src/contract';
import { finalStatuses } from '../src/refunds/status';
import type { RefundState } from '../src/refunds/state';
import type { RefundRequestInput } from '../src/providers';
import type { ActiveFault, FaultSpec } from '../src/sandbox/faults';

import { paymentAndRefund, providerNames } from './payments';
import type { ProviderName } from './payments';
import type { SandboxApi } from './sandbox-api';

const SHARE: Record<ProviderName, number> = {
  secpaid: 0.1,
  sandpay: 0.2,
  paymentoptions: 0.2,
  openpayd: 0.25,
  getpaid: 0.25,
};
/** An operator looks at a refund that needs attention only after it has waited this long. */
const OPERATOR_DELAY_MS = 10_000;
const DEADLINE_MS = 30 * 60_000;

/** What the soak runs against, and its chaos. */
export interface SoakTarget {
  /** Which Temporal server, as the report names it. */
  readonly server: string;
  readonly client: Client;
  readonly api: SandboxApi;
  /** Served by workers whose REFUND_TIME_SCALE is {@link SOAK_TIME_SCALE}. */
  readonly taskQueue: string;
  /** SIGKILLs the n-th worker to die and has it come back; says what it did. */
  killWorker(n: number): Promise<string>;
  /** Stops the Temporal server and starts it again on its data; says what it did. */
  restartServer(): Promise<string>;
}

export interface SoakOptions {
  readonly refunds: number;
  /** The share of provider calls that fail, in every way the sandbox knows. */
  readonly faultRate: number;
  readonly log: (line: string) => void;
}

export type SoakReport = Awaited<ReturnType<typeof runSoak>>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The soak's workers' REFUND_TIME_SCALE: 1,000× faster, so SecPaid reads every ~14 s instead of 4 h. */
export const SOAK_TIME_SCALE = 0.001;

export async function runSoak(target: SoakTarget, options: SoakOptions) {
  const started = Date.now();
  const { api } = target;
  const { log } = options;
  const meta = await api.call<{ seed?: number; strictDocs?: boolean }>('GET', '/_sandbox/meta');
  const refunds = new RefundsClient(target.client, { taskQueue: target.taskQueue });

  // ~10% of every provider call fails, in every way the sandbox knows.
  const kinds: Partial<FaultSpec>[] = [
    { kind: 'http-error', status: 503 },
    { kind: 'reset' },
    { kind: 'slow', delayMs: 2_500 },
    { kind: 'commit-then-drop' },
    { kind: 'commit-then-error', status: 502 },
    { kind: 'commit-late', delayMs: 4_000 },
    { kind: 'read-error', status: 404 },
    { kind: 'rate-limit', retryAfterSeconds: 1 },
  ];
  for (const provider of providerNames) {
    for (const fault of kinds) {
      // The first matching fault rolls first: equal shares of options.faultRate in all.
      const i = kinds.indexOf(fault);
      const probability = options.faultRate / kinds.length / (1 - (options.faultRate / kinds.length) * i);
      await api.fault({ provider, endpoint: '*', probability, ...fault } as FaultSpec);
    }
  }

  // The refunds: payments made at the sandbox, started at a steady pace; a start the server
  // refuses (it is down) is retried with the same refundId, as a backend would.
  const plan: ProviderName[] = [];
  for (const p of providerNames) for (let i = 0; i < Math.round(options.refunds * SHARE[p]); i += 1) plan.push(p);
  plan.sort(() => Math.random() - 0.5);
  const requests: RefundRequestInput[] = [];
  let kills = 0;
  let restarts = 0;
  const events: string[] = [];

  const chaos = async (done: number): Promise<void> => {
    if (kills < 2 && done >= plan.length * (kills === 0 ? 0.25 : 0.5)) {
      kills += 1;
      events.push(`${new Date().toISOString()} ${await target.killWorker(kills)} after ${done} starts`);
      log(events.at(-1)!);
    }
    if (restarts === 0 && done >= plan.length * 0.75) {
      restarts += 1;
      events.push(`${new Date().toISOString()} ${await target.restartServer()} after ${done} starts`);
      log(events.at(-1)!);
    }
  };

  let startErrors = 0;
  const startOne = async (request: RefundRequestInput): Promise<void> => {
    for (;;) {
      try {
        await refunds.start(request);
        return;
      } catch {
        startErrors += 1;
        await sleep(1_000);
      }
    }
  };
  const inFlightStarts: Promise<void>[] = [];
  for (const [i, provider] of plan.entries()) {
    const amount = 100 + Math.floor(Math.random() * 2_900);
    // Some SandPay refunds settle later (PENDING); GetPaid completes every refund by itself.
    const payment =
      provider === 'sandpay' && Math.random() < 0.2
        ? { refundOutcome: 'PENDING' }
        : provider === 'getpaid'
          ? { settle: { outcome: 'completed', afterMs: 500 } }
          : {};
    const request = await paymentAndRefund(api, provider, amount, `soak-${provider}`, payment);
    requests.push(request);
    inFlightStarts.push(startOne(request));
    if (i % 50 === 49) {
      await Promise.all(inFlightStarts.splice(0));
      log(`${i + 1}/${plan.length} started`);
      await chaos(i + 1);
    }
  }
  await Promise.all(inFlightStarts);
  log(`all ${requests.length} started (${startErrors} start calls refused meanwhile and retried)`);

  // The providers' people and the operators, until every refund has ended.
  const attentionSince = new Map<string, number>();
  const resolvedByOperator = new Set<string>();
  const attentionNotes = new Map<string, string>();
  const ended = new Map<string, RefundState>();
  const pending = new Set(requests.map((r) => r.refundId));
  while (pending.size > 0 && Date.now() - started < DEADLINE_MS) {
    for (const refundId of [...pending]) {
      let state: RefundState;
      try {
        state = await refunds.get(refundId);
      } catch {
        continue; // the server is busy or a worker restarting: next round
      }
      if (finalStatuses.has(state.status)) {
        ended.set(refundId, state);
        pending.delete(refundId);
        continue;
      }
      if (state.status === 'PENDING_REVIEW') {
        await api.call('POST', `/_sandbox/secpaid/refunds/${state.paymentId}/approve`, {}).catch(() => undefined);
      }
      if (state.status === 'PENDING_PROVIDER' && state.provider === 'sandpay' && state.providerRefundId) {
        await api
          .call('POST', `/_sandbox/sandpay/refunds/${state.providerRefundId}/resolve`, { status: 'SUCCESS' })
          .catch(() => undefined);
      }
      if (state.needsAttention) {
        const since = attentionSince.get(refundId) ?? Date.now();
        // The reason without its variable parts (ids, amounts), to count alike reasons together.
        attentionNotes.set(refundId, (state.attentionReason ?? '').replace(/\d+/g, 'N').slice(0, 120));
        attentionSince.set(refundId, since);
        if (Date.now() - since >= OPERATOR_DELAY_MS) {
          const booked = await api.ledger(state.provider, state.paymentId);
          const result = await refunds
            .resolve(refundId, {
              outcome: booked.length > 0 ? 'SUCCEEDED' : 'FAILED',
              reason: `back office shows ${booked.length} refund(s)`,
              by: 'soak-operator',
            })
            .catch(() => undefined);
          if (result?.accepted) resolvedByOperator.add(refundId);
        }
      }
    }
    log(`${ended.size} ended, ${pending.size} still going`);
    if (pending.size > 0) await sleep(2_000);
  }

  /** An operator's FAILED on a refund the provider may hold leaves its money watched (refund-watch-<id>). */
  const watched = async (refundId: string): Promise<boolean> =>
    target.client.workflow
      .getHandle(refundWatchWorkflowId(refundId))
      .describe()
      .then(
        () => true,
        () => false
      );

  // The provider side against the orchestrator, payment by payment.
  const outcomes: Record<string, number> = {};
  const failureTypes: Record<string, number> = {};
  const attentionReasons: Record<string, number> = {};
  const byProvider: Record<string, Record<string, number>> = {};
  let doubleRefunds = 0;
  let mismatches = 0;
  let falseOutcomes = 0;
  let endedAskingAPerson = 0;
  let failedAndWatched = 0;
  let ledgerTotal = 0;
  let orchestratorTotal = 0;
  const problems: string[] = [];
  for (const request of requests) {
    const state = ended.get(request.refundId);
    const status = state?.status ?? 'LOST';
    outcomes[status] = (outcomes[status] ?? 0) + 1;
    byProvider[request.provider] ??= {};
    byProvider[request.provider]![status] = (byProvider[request.provider]![status] ?? 0) + 1;
    if (state?.failure) {
      const key = `${request.provider} ${state.failure.type}${state.failure.providerCode ? ` (${state.failure.providerCode})` : ''}`;
      failureTypes[key] = (failureTypes[key] ?? 0) + 1;
    }
    if (resolvedByOperator.has(request.refundId)) {
      const key = `${request.provider}: ${attentionNotes.get(request.refundId) ?? 'unknown'}`;
      attentionReasons[key] = (attentionReasons[key] ?? 0) + 1;
    }
    const booked = await api.ledger(request.provider, request.paymentId);
    const ledgerMinor = booked.reduce((sum, e) => sum + e.amountMinor, 0);
    const ourMinor = status === 'SUCCEEDED' ? (state?.refundedAmountMinor ?? request.amount.amountMinor) : 0;
    ledgerTotal += ledgerMinor;
    orchestratorTotal += ourMinor;
    if (booked.length > 1) {
      doubleRefunds += 1;
      problems.push(`${request.refundId}: ${booked.length} refunds at ${request.provider}`);
    }
    if (state?.needsAttention) endedAskingAPerson += 1;
    const isWatched = status === 'FAILED' && (await watched(request.refundId));
    if (isWatched) failedAndWatched += 1;
    if (ledgerMinor !== ourMinor) {
      mismatches += 1;
      // FAILED with money at the provider is a false outcome unless its money is watched (an
      // operator said FAILED while the provider might still have it: the reservation is kept, and
      // the watch asks a person when the provider pays).
      if (!isWatched) falseOutcomes += 1;
      problems.push(
        `${request.refundId}: ledger ${ledgerMinor}, orchestrator ${ourMinor} (${status}${isWatched ? ', asks a person' : ''})`
      );
    }
  }
  const faults = (await api.call<{ faults: ActiveFault[] }>('GET', '/_sandbox/faults')).faults.map((f) => ({
    provider: f.provider,
    kind: f.kind,
    hits: f.hits,
  }));
  const faultHits = faults.reduce((sum, f) => sum + f.hits, 0);
  const calls = (await api.call<{ requests: Record<string, number> }>('GET', '/_sandbox/stats')).requests;
  const providerCalls = Object.values(calls).reduce((a, b) => a + b, 0);
  const lost = outcomes.LOST ?? 0;

  const report = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    server: target.server,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    refundsStarted: requests.length,
    startCallsRefusedAndRetried: startErrors,
    finalByOutcome: outcomes,
    finalByProvider: byProvider,
    resolvedByOperatorAfterAttention: resolvedByOperator.size,
    attentionReasons,
    failureTypes,
    strictDocs: meta.strictDocs ?? false,
    sandboxSeed: meta.seed ?? null,
    doubleRefunds,
    lostRefunds: lost,
    falseOutcomes,
    endedAskingAPerson,
    failedAndWatched,
    ledgerVsOrchestratorMismatches: mismatches,
    ledgerTotalMinor: ledgerTotal,
    orchestratorTotalMinor: orchestratorTotal,
    providerCalls,
    faultsInjected: faultHits,
    faultRate: providerCalls === 0 ? 0 : Number((faultHits / providerCalls).toFixed(3)),
    workerSigkills: kills,
    serverRestarts: restarts,
    chaos: events,
    problems: problems.slice(0, 50),
  };
  return report;
}

export function soakMarkdown(r: SoakReport): string {
  const rows = Object.entries(r)
    .filter(([k]) => k !== 'problems' && k !== 'chaos')
    .map(([k, v]) => `| ${k} | ${typeof v === 'string' ? v : JSON.stringify(v)} |`);
  return [
    `# Soak ${r.date}`,
    '',
    '| figure | value |',
    '|---|---|',
    ...rows,
    '',
    '## Chaos',
    ...r.chaos.map((e) => `- ${e}`),
    '',
    ...(r.problems.length ? ['## Problems', ...r.problems.map((p) => `- ${p}`), ''] : []),
  ].join('\n');
}

/** No refund lost, none refunded twice, no false outcome. */
export function soakPassed(r: SoakReport): boolean {
  return r.doubleRefunds === 0 && r.lostRefunds === 0 && r.falseOutcomes === 0;
}
