import * as wf from '@temporalio/workflow';

import type { createSecpaidReconcileActivities } from '../providers/secpaid/reconcile-activities';
import { NeedsAttentionKey, reconcilerSettingsSignal, reconcilerStateQuery } from '../contract';
import { SECPAID_READS_TASK_QUEUE_SUFFIX } from '../providers/secpaid/profile';
import {
  MAX_PAGES_PER_PASS,
  afterPass,
  lastPage,
  nextPassInMs,
  afterTelling,
  planPass,
  refundsToTell,
} from '../providers/secpaid/reconciler-state';
import type { PassFigures, ReconcilerSettings, SecpaidReconcilerState } from '../providers/secpaid/reconciler-state';

/** Passes per run before it continues as new: its history stays a few thousand events. */
const PASSES_PER_RUN = 100;
/** Or sooner, between passes, once its history is this long (a pass of many pages is long). */
const HISTORY_EVENTS_PER_RUN = 5_000;

/**
 * SecPaid's reconciler for one account: pass after pass, reads the account's `getPayInTransactions`
 * pages (1,000 rows each, no `pay_id`) and hands each new Refund row to the payment guard of its
 * link, which wakes the refund waiting on it. Its pages go through the rate-limited queue of
 * SecPaid's reads (their share of the account's budget), at most one per `pageGapMs`; a pass begins
 * at most every `intervalMs`. Holds no list of refunds: only when its last passes began.
 * Workflow id `secpaid-reconciler-<refunds queue>`, started by every worker (one runs).
 */
export async function secpaidReconciler(initial: SecpaidReconcilerState): Promise<void> {
  let state = initial;
  wf.setHandler(reconcilerStateQuery, () => state);
  wf.setHandler(reconcilerSettingsSignal, (settings) => {
    if (validSettings(settings)) state = { ...state, settings };
  });
  const { secpaidReconcilePage: readPage } = wf.proxyActivities<ReconcileActivities>({
    // The reads' own queue: their share of SecPaid's rate, never behind a backlog of submissions.
    taskQueue: `${state.refundsTaskQueue}-${SECPAID_READS_TASK_QUEUE_SUFFIX}`,
    startToCloseTimeout: '1 minute',
    // A page that keeps failing ends the pass; the next pass reads it again.
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3 },
    summary: 'SecPaid: read a page of the account’s transactions and wake the refunds it approves',
  });
  const { secpaidTellRefunds: tellRefunds } = wf.proxyActivities<ReconcileActivities>({
    // The refunds' own queue: it signals refunds (Temporal) and calls nothing at SecPaid, so it
    // takes none of SecPaid's rate. Bounded: a pass waits for it.
    taskQueue: state.refundsTaskQueue,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 2 },
    summary: 'Tell the SecPaid refunds in review that the reconciler stalled, or is back',
  });
  const meter = wf.metricMeter.withTags({ provider: 'secpaid' });
  const metrics = {
    passes: meter.createCounter('refunds_reconciler_passes', 'passes', 'reconciler passes, by outcome'),
    pages: meter.createCounter('refunds_reconciler_pages', 'pages', 'pages of transactions read'),
    rows: meter.createCounter('refunds_reconciler_rows', 'rows', 'transaction rows read'),
    woken: meter.createCounter('refunds_reconciler_woken', 'refunds', 'refunds woken by a refund row'),
  };

  const handOver = (): boolean =>
    wf.workflowInfo().continueAsNewSuggested || wf.workflowInfo().historyLength >= HISTORY_EVENTS_PER_RUN;
  for (let pass = 0; pass < PASSES_PER_RUN && !handOver(); pass += 1) {
    const startedAt = Date.now();
    const wasStalled = state.stalledSince !== null;
    const figures = await onePass(state, startedAt, readPage);
    state = afterPass(state, startedAt, figures);
    metrics.passes.add(1, { outcome: figures.error === null ? 'complete' : 'failed' });
    metrics.pages.add(figures.pages);
    metrics.rows.add(figures.rows);
    metrics.woken.add(figures.woken);
    if (figures.error !== null) wf.log.warn('SecPaid reconciler: pass failed', { ...figures });
    if ((state.stalledSince !== null) !== wasStalled) {
      // Operators find a stalled reconciler as they find refunds that need them.
      wf.upsertSearchAttributes([{ key: NeedsAttentionKey, value: state.stalledSince !== null }]);
      if (state.stalledSince !== null) {
        wf.log.error(
          'SecPaid reconciler stalled: each waiting refund asks a person, and approvals are seen only by its own weekly read',
          {
            failedPassesInARow: state.failedPassesInARow,
            error: figures.error,
          }
        );
      }
    }
    const tell = refundsToTell(state);
    // Reconcilers before this told nobody, and replay so.
    if (tell !== null && wf.patched('stall-tells-refunds')) state = await told(state, tell, figures, tellRefunds);
    await wf.sleep(nextPassInMs(state.settings, startedAt, Date.now()));
  }
  return wf.continueAsNew<typeof secpaidReconciler>(state);
}

/** A signal from the UI or the CLI is not type-checked: settings that would spin or stop a pass are not taken. */
function validSettings(s: ReconcilerSettings | undefined): s is ReconcilerSettings {
  const within = (n: unknown, min: number, max: number): boolean =>
    typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
  return (
    s !== undefined &&
    within(s.intervalMs, 1_000, 24 * 3_600_000) &&
    within(s.pageGapMs, 1_000, 3_600_000) &&
    within(s.maxSinceDays, 1, 90) &&
    within(s.pageLimit, 1, 1_000)
  );
}

type ReconcileActivities = ReturnType<typeof createSecpaidReconcileActivities>;
type ReadPage = ReconcileActivities['secpaidReconcilePage'];
type TellRefunds = ReconcileActivities['secpaidTellRefunds'];

/**
 * Tells the refunds it stalled (each asks a person) or is back (each marked one clears the attention
 * the stall raised). A telling that fails is tried again after the next pass.
 */
async function told(
  state: SecpaidReconcilerState,
  tell: 'stalled' | 'back',
  figures: PassFigures,
  tellRefunds: TellRefunds
): Promise<SecpaidReconcilerState> {
  const health = {
    stalledSince: tell === 'stalled' ? state.stalledSince : null,
    reason:
      tell === 'stalled'
        ? `${state.failedPassesInARow} passes failed in a row; the last: ${figures.error ?? ''}`.slice(0, 200)
        : 'a pass is complete',
  };
  try {
    const { refunds } = await tellRefunds({ refundsTaskQueue: state.refundsTaskQueue, health });
    if (refunds > 0) wf.log.info(`SecPaid reconciler told ${refunds} refunds it is ${tell}`);
    return afterTelling(state, tell, refunds);
  } catch (err) {
    wf.log.warn(`SecPaid reconciler could not tell the refunds it is ${tell}; after the next pass it tries again`, {
      error: err instanceof wf.ActivityFailure ? (err.cause?.message ?? err.message) : String(err),
    });
    return afterTelling(state, tell, null);
  }
}
async function onePass(state: SecpaidReconcilerState, startedAt: number, readPage: ReadPage): Promise<PassFigures> {
  const { pageLimit, pageGapMs } = state.settings;
  const plan = planPass(state, startedAt);
  const totals = { pages: 0, rows: 0, refundRows: 0, routed: 0, woken: 0 };
  let error: string | null = null;
  for (let page = 1; ; page += 1) {
    if (page > MAX_PAGES_PER_PASS) {
      error = `more than ${MAX_PAGES_PER_PASS} pages of ${pageLimit} rows in ${plan.sinceDays} days`;
      break;
    }
    if (page > 1) await wf.sleep(pageGapMs);
    try {
      const read = await readPage({ page, limit: pageLimit, sinceDays: plan.sinceDays, routeFromMs: plan.routeFromMs });
      totals.pages += 1;
      totals.rows += read.rows;
      totals.refundRows += read.refundRows;
      totals.routed += read.routed;
      totals.woken += read.woken;
      if (lastPage(page, pageLimit, read.rows, read.totalRecords)) break;
    } catch (err) {
      error = err instanceof wf.ActivityFailure ? (err.cause?.message ?? err.message) : String(err);
      break;
    }
  }
  return {
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(Date.now()).toISOString(),
    sinceDays: plan.sinceDays,
    full: plan.routeFromMs === null,
    ...totals,
    error,
  };
}
