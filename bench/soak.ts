/**
 * `npm run soak`: 1,000 refunds across the five providers against a real stack, with about 10% of
 * provider calls failing on purpose, two worker processes SIGKILLed and the Temporal server
 * restarted on its SQLite file along the way. A driver plays the providers' people (SecPaid's
 * admin approves, SandPay's network settles PENDING) and the operators (a refund that needs
 * attention is resolved from the provider's back office, the sandbox ledger, after a while).
 *
 * The sandbox runs in docs-strict mode (SANDBOX_STRICT_DOCS: every behaviour the providers' docs
 * do not state is off or drawn at random), with the faults that make outcomes uncertain: commits
 * answered by a 5xx, reads that fail, requests that commit after the caller gave up.
 *
 * It then compares the orchestrator with the provider side, payment by payment, and writes the
 * figures to bench/results/soak-<date>.json and .md. Exit code 1 if any refund was lost, refunded
 * twice, or has a false outcome: a final status or amount the provider's ledger contradicts (a
 * FAILED refund with money at the provider counts unless its money is still watched).
 *
 * Options (env): SOAK_REFUNDS (1000), SOAK_FAULT_RATE (0.1), SOAK_STRICT_DOCS (1; 0 for the
 * lenient sandbox), SANDBOX_SEED (strict mode's choices).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';

import { RefundsClient } from '../src/client';
import { refundWatchWorkflowId } from '../src/contract';
import { startDevServer } from '../src/dev/dev-server';
import type { DevServer } from '../src/dev/dev-server';
import { ensureTemporalCli } from '../src/dev/temporal-cli';
import { createLogger } from '../src/logger';
import { finalStatuses } from '../src/refunds/status';
import type { RefundState } from '../src/refunds/state';
import type { RefundRequestInput } from '../src/providers';
import type { FaultSpec } from '../src/sandbox/faults';
import { clientChannelArgs, clientInterceptors } from '../src/temporal/connection';
import { paymentAndRefund, providerNames } from '../harness/payments';
import type { ProviderName } from '../harness/payments';
import { freePort } from '../src/dev/ports';
import { WORKER_STOP_BOUND_MS, startWorkerProcess } from '../harness/processes';
import type { WorkerProcess } from '../harness/processes';
import { startSandbox } from '../harness/sandbox';
import { SandboxApi } from '../harness/sandbox-api';

const TOTAL = Number(process.env.SOAK_REFUNDS ?? 1000);
const FAULT_RATE = Number(process.env.SOAK_FAULT_RATE ?? 0.1);
/** Waits run 1,000× faster than in production (SecPaid reads every ~14 s instead of 4 h). */
const TIME_SCALE = 0.001;
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
const STRICT_DOCS = process.env.SOAK_STRICT_DOCS !== '0';

const log = (msg: string): void => {
  process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const started = Date.now();
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
  const meta = await fetch(`${sandboxUrl}/_sandbox/meta`).then(async (r) => (await r.json()) as { seed?: number });
  log(`sandbox ${STRICT_DOCS ? `in docs-strict mode (seed ${meta.seed})` : 'lenient'} on ${sandboxUrl}`);
  const api = new SandboxApi(sandboxUrl);

  const connection = await Connection.connect({
    address: server.address,
    channelArgs: clientChannelArgs,
    interceptors: clientInterceptors,
  });
  const client = new Client({ connection });
  const taskQueue = 'refunds-soak';
  const refunds = new RefundsClient(client, { taskQueue, timeScale: TIME_SCALE });

  const workerEnv = { SECPAID_MAX_REQUESTS_PER_SECOND: '0.9', LOG_LEVEL: 'info' };
  const startWorker = (n: number): Promise<WorkerProcess> =>
    startWorkerProcess({
      name: `soak-worker-${n}`,
      logFile: path.join(dir, `worker-${n}.log`),
      temporalAddress: server.address,
      taskQueue,
      sandboxUrl,
      workflowBundle: bundle,
      env: workerEnv,
    });
  const workers = [await startWorker(1), await startWorker(2)];
  log(`2 workers on ${taskQueue}; logs in ${dir}`);

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
      // The first matching fault rolls first: equal shares of FAULT_RATE in all.
      const i = kinds.indexOf(fault);
      const probability = FAULT_RATE / kinds.length / (1 - (FAULT_RATE / kinds.length) * i);
      await api.fault({ provider, endpoint: '*', probability, ...fault } as FaultSpec);
    }
  }

  // The refunds: payments made at the sandbox, started at a steady pace; a start the server
  // refuses (it is down) is retried with the same refundId, as a backend would.
  const plan: ProviderName[] = [];
  for (const p of providerNames) for (let i = 0; i < Math.round(TOTAL * SHARE[p]); i += 1) plan.push(p);
  plan.sort(() => Math.random() - 0.5);
  const requests: RefundRequestInput[] = [];
  let kills = 0;
  let restarts = 0;
  const events: string[] = [];

  const chaos = async (done: number): Promise<void> => {
    if (kills < 2 && done >= plan.length * (kills === 0 ? 0.25 : 0.5)) {
      const n = kills + 1;
      const victim = workers[kills % 2]!;
      await victim.kill('SIGKILL');
      events.push(`${new Date().toISOString()} SIGKILL worker ${n % 2 === 1 ? 1 : 2} after ${done} starts`);
      log(events.at(-1)!);
      kills += 1;
      workers[kills % 2 === 1 ? 0 : 1] = await startWorker(10 + n);
    }
    if (restarts === 0 && done >= plan.length * 0.75) {
      restarts += 1;
      await server.stop();
      events.push(`${new Date().toISOString()} Temporal server stopped after ${done} starts`);
      log(events.at(-1)!);
      await sleep(5_000);
      server = await serverOn();
      events.push(`${new Date().toISOString()} Temporal server started again on the same SQLite file`);
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
          const booked = sandbox.ledger.list({ provider: state.provider, paymentId: state.paymentId });
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
    client.workflow
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
    const booked = sandbox.ledger.list({ provider: request.provider, paymentId: request.paymentId });
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
  const faults = sandbox.faults.list().map((f) => ({ provider: f.provider, kind: f.kind, hits: f.hits }));
  const faultHits = faults.reduce((sum, f) => sum + f.hits, 0);
  const calls = (await api.call<{ requests: Record<string, number> }>('GET', '/_sandbox/stats')).requests;
  const providerCalls = Object.values(calls).reduce((a, b) => a + b, 0);
  const lost = outcomes.LOST ?? 0;

  const report = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    refundsStarted: requests.length,
    startCallsRefusedAndRetried: startErrors,
    finalByOutcome: outcomes,
    finalByProvider: byProvider,
    resolvedByOperatorAfterAttention: resolvedByOperator.size,
    attentionReasons,
    failureTypes,
    strictDocs: STRICT_DOCS,
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
  const results = path.join(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  const stamp = report.date.replace(/[:]/g, '-').slice(0, 19);
  writeFileSync(path.join(results, `soak-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(results, `soak-${stamp}.md`), markdown(report));
  log(`report: bench/results/soak-${stamp}.{json,md}`);
  process.stdout.write(markdown(report));

  // Results are written above; a worker that does not stop by the bound is SIGKILLed, never waited on.
  await Promise.all(workers.map((w) => w.stop(WORKER_STOP_BOUND_MS)));
  await connection.close();
  await sandbox.app.close();
  await server.stop();
  if (problems.length === 0 && lost === 0) rmSync(dir, { recursive: true, force: true });
  process.exitCode = doubleRefunds === 0 && lost === 0 && falseOutcomes === 0 ? 0 : 1;
}

function markdown(r: Record<string, unknown>): string {
  const rows = Object.entries(r)
    .filter(([k]) => k !== 'problems' && k !== 'chaos')
    .map(([k, v]) => `| ${k} | ${typeof v === 'string' ? v : JSON.stringify(v)} |`);
  return [
    `# Soak ${String(r.date)}`,
    '',
    '| figure | value |',
    '|---|---|',
    ...rows,
    '',
    '## Chaos',
    ...(r.chaos as string[]).map((e) => `- ${e}`),
    '',
    ...((r.problems as string[]).length ? ['## Problems', ...(r.problems as string[]).map((p) => `- ${p}`), ''] : []),
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
