/**
 * SecPaid's reconciler, the pure part: what a pass reads and routes, and what the workflow keeps
 * between passes. SecPaid has no refund webhook and allows 60 requests a minute per account, so
 * instead of every waiting refund reading its own link, one workflow per account reads the
 * account's `getPayInTransactions` pages and passes each new `Refund` row to the refund waiting on
 * its link (through the link's payment guard, which knows it). The refund then reads its own link
 * once and judges the row itself (refund-rows.ts), so the fail-closed match stays with the refund.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Rows this much older than the pass that routes them are routed again: SecPaid's clock and ours
 * may differ by minutes (ASSUMPTIONS.md allows 5), and a row added while a pass read its pages
 * may have been missed by it.
 */
export const ROUTE_SLACK_MS = 10 * MINUTE;

/**
 * A full pass reads `maxSinceDays` back and routes every refund row, whatever its time, this often:
 * a row whose `created_at` is not its approval's time (the docs do not say) is seen within a day.
 */
export const FULL_PASS_EVERY_MS = DAY;

/** Passes failed in a row after which the reconciler is stalled and asks for a person. */
export const STALL_AFTER_FAILED_PASSES = 3;

/** Pages of one pass at most: past it the pass stops and says so (a person should look at the account). */
export const MAX_PAGES_PER_PASS = 500;

export interface ReconcilerSettings {
  /** The least time from one pass's start to the next (SECPAID_RECONCILE_INTERVAL_MS). */
  readonly intervalMs: number;
  /** The least time between two page reads: SecPaid's rate for the whole account × the reads' share. */
  readonly pageGapMs: number;
  /** Rows a page asks for (SecPaid's maximum: 1,000). */
  readonly pageLimit: number;
  /** How far back the first pass reads (days), and any pass after a longer stop. */
  readonly maxSinceDays: number;
}

/** One pass, as the `state` query and the metrics show it. */
export interface PassFigures {
  readonly startedAt: string;
  readonly finishedAt: string;
  /** `since` of the pass: the last N days of the account's rows. */
  readonly sinceDays: number;
  /** Every refund row read was routed (a full pass), not only those since the pass before last. */
  readonly full: boolean;
  readonly pages: number;
  readonly rows: number;
  readonly refundRows: number;
  /** Refund rows new enough to route (see ROUTE_SLACK_MS). */
  readonly routed: number;
  /** Routed rows whose link's guard was running and took them: refunds woken (at most one per link at SecPaid). */
  readonly woken: number;
  /** Why the pass did not complete; null when every page was read. */
  readonly error: string | null;
}

export interface SecpaidReconcilerState {
  /** The refunds' task queue it serves (its activities run on `<queue>-secpaid`, rate-limited). */
  readonly refundsTaskQueue: string;
  readonly settings: ReconcilerSettings;
  /** When the last two complete passes began (epoch ms), newest last. */
  readonly completePassStarts: readonly number[];
  /** When the last complete full pass began (epoch ms); absent before the first. */
  readonly lastFullPassStartedAt?: number;
  readonly lastPass: PassFigures | null;
  readonly lastCompletePass: PassFigures | null;
  readonly failedPassesInARow: number;
  readonly passes: number;
  /** When passes began to fail past STALL_AFTER_FAILED_PASSES; null while it works. */
  readonly stalledSince: string | null;
  /**
   * Refunds may still be marked stalled (`ReconcilerStalled`): it was stalled since it last found
   * none, or it has not looked yet (absent: a new reconciler, or one from before it told them,
   * looks once).
   */
  readonly refundsMayBeMarked?: boolean;
}

export function initialReconcilerState(refundsTaskQueue: string, settings: ReconcilerSettings): SecpaidReconcilerState {
  return {
    refundsTaskQueue,
    settings,
    completePassStarts: [],
    lastPass: null,
    lastCompletePass: null,
    failedPassesInARow: 0,
    passes: 0,
    stalledSince: null,
  };
}

/** What a pass starting at `now` reads (`since`) and routes (rows created at or after `routeFromMs`). */
export interface PassPlan {
  readonly sinceDays: number;
  /** Null on a full pass: every refund row read is routed. */
  readonly routeFromMs: number | null;
}

/**
 * A row older than the start of the pass before the last complete one was routed by a complete
 * pass already: only newer rows are routed, and `since` covers them (in whole days, one more for
 * SecPaid's own clock and its day boundaries). Once a day, and first, a full pass routes every
 * refund row of the last `maxSinceDays`.
 */
export function planPass(state: SecpaidReconcilerState, now: number): PassPlan {
  const { maxSinceDays } = state.settings;
  const full = { sinceDays: maxSinceDays, routeFromMs: null };
  const from = state.completePassStarts[0];
  if (from === undefined || state.lastFullPassStartedAt === undefined) return full;
  if (now - state.lastFullPassStartedAt >= FULL_PASS_EVERY_MS) return full;
  const routeFromMs = from - ROUTE_SLACK_MS;
  const days = Math.ceil((now - routeFromMs) / DAY) + 1;
  if (days > maxSinceDays) return full;
  return { sinceDays: Math.max(1, days), routeFromMs };
}

/** Whether the page read was the pass's last: fewer rows than asked, or all the envelope counts. */
export function lastPage(page: number, limit: number, rows: number, totalRecords: number | undefined): boolean {
  if (rows < limit) return true;
  return totalRecords !== undefined && Number.isFinite(totalRecords) && page * limit >= totalRecords;
}

/** The state after a pass that began at `startedAtMs`. */
export function afterPass(
  state: SecpaidReconcilerState,
  startedAtMs: number,
  figures: PassFigures
): SecpaidReconcilerState {
  const complete = figures.error === null;
  const failedPassesInARow = complete ? 0 : state.failedPassesInARow + 1;
  const stalled = failedPassesInARow >= STALL_AFTER_FAILED_PASSES;
  return {
    ...state,
    completePassStarts: complete ? [...state.completePassStarts, startedAtMs].slice(-2) : state.completePassStarts,
    ...(complete && figures.full && { lastFullPassStartedAt: startedAtMs }),
    lastPass: figures,
    lastCompletePass: complete ? figures : state.lastCompletePass,
    failedPassesInARow,
    passes: state.passes + 1,
    stalledSince: stalled ? (state.stalledSince ?? figures.finishedAt) : null,
  };
}

/**
 * What the refunds are told after a pass: `stalled` after every pass while it is stalled (a refund
 * whose review began since, or whose attention cleared, is told too); `back` after a complete pass
 * while refunds may still be marked stalled (again after each pass until none is: a refund may take
 * the stall after the first `back`, and a new reconciler does not know what an old one told).
 */
export function refundsToTell(state: SecpaidReconcilerState): 'stalled' | 'back' | null {
  if (state.stalledSince !== null) return 'stalled';
  return state.refundsMayBeMarked === false ? null : 'back';
}

/** The state once refunds were told (`marked`: how many a `back` found still marked; null: telling failed). */
export function afterTelling(
  state: SecpaidReconcilerState,
  told: 'stalled' | 'back',
  marked: number | null
): SecpaidReconcilerState {
  // A stall told, even in part, may have marked refunds; `back` is done once it found none.
  return { ...state, refundsMayBeMarked: told === 'stalled' || marked === null || marked > 0 };
}

/** The wait before the next pass: the interval from this pass's start, and never less than a page's gap. */
export function nextPassInMs(settings: ReconcilerSettings, startedAtMs: number, now: number): number {
  return Math.max(settings.pageGapMs, settings.intervalMs - (now - startedAtMs));
}
