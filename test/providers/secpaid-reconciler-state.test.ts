import {
  ROUTE_SLACK_MS,
  STALL_AFTER_FAILED_PASSES,
  afterPass,
  initialReconcilerState,
  lastPage,
  nextPassInMs,
  planPass,
  afterTelling,
  refundsToTell,
} from '../../src/providers/secpaid/reconciler-state';
import { refundsToTellQuery } from '../../src/providers/secpaid/reconcile-activities';
import type { PassFigures } from '../../src/providers/secpaid/reconciler-state';
import { reconcilerSettings } from '../../src/providers/secpaid/reconciler-start';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const settings = reconcilerSettings({ maxRequestsPerSecond: 0.9, readShare: 0.1, intervalMs: 5 * MINUTE });
const fresh = initialReconcilerState('refunds', settings);
const t0 = Date.UTC(2026, 11, 2, 12);

const pass = (over: Partial<PassFigures> = {}): PassFigures => ({
  startedAt: new Date(t0).toISOString(),
  finishedAt: new Date(t0 + MINUTE).toISOString(),
  sinceDays: 2,
  full: false,
  pages: 1,
  rows: 10,
  refundRows: 2,
  routed: 1,
  woken: 1,
  error: null,
  ...over,
});

describe('SecPaid reconciler: what a pass reads and routes', () => {
  it("takes 4/5 of the reads' 10 % of 0.9 requests a second: a page every 13.9 s at most, 1,000 rows each", () => {
    expect(settings).toEqual({ intervalMs: 5 * MINUTE, pageGapMs: 13_889, pageLimit: 1_000, maxSinceDays: 30 });
  });

  it('a first pass routes every refund row of the last 30 days, and so does one a day after', () => {
    expect(planPass(fresh, t0)).toEqual({ sinceDays: 30, routeFromMs: null });
    const first = afterPass(fresh, t0, pass({ full: true, sinceDays: 30 }));
    expect(planPass(first, t0 + 5 * MINUTE).routeFromMs).not.toBeNull();
    expect(planPass(first, t0 + DAY - 1).routeFromMs).not.toBeNull();
    expect(planPass(first, t0 + DAY)).toEqual({ sinceDays: 30, routeFromMs: null });
    // A full pass that failed is made again.
    const failed = afterPass(first, t0 + DAY, pass({ full: true, error: 'HTTP 503' }));
    expect(planPass(failed, t0 + DAY + 5 * MINUTE).routeFromMs).toBeNull();
  });

  it('later passes route rows from the start of the pass before the last, less the slack, and read only the days they need', () => {
    const one = afterPass(fresh, t0, pass({ full: true }));
    expect(planPass(one, t0 + 5 * MINUTE)).toEqual({ sinceDays: 2, routeFromMs: t0 - ROUTE_SLACK_MS });
    const two = afterPass(one, t0 + 5 * MINUTE, pass());
    expect(two.completePassStarts).toEqual([t0, t0 + 5 * MINUTE]);
    // The row a pass may have missed while it read its pages is routed by the next one too.
    expect(planPass(two, t0 + 10 * MINUTE).routeFromMs).toBe(t0 - ROUTE_SLACK_MS);
    const three = afterPass(two, t0 + 10 * MINUTE, pass());
    expect(planPass(three, t0 + 15 * MINUTE).routeFromMs).toBe(t0 + 5 * MINUTE - ROUTE_SLACK_MS);
  });

  it('a stop of a day or more is made up by a full pass', () => {
    const one = afterPass(fresh, t0, pass({ full: true }));
    expect(planPass(one, t0 + 3 * DAY)).toEqual({ sinceDays: 30, routeFromMs: null });
  });

  it('a failed pass routes nothing away: the next one reads from the same start, and three in a row stall it', () => {
    const ok = afterPass(fresh, t0, pass({ full: true }));
    let state = ok;
    for (let i = 1; i <= STALL_AFTER_FAILED_PASSES; i += 1) {
      expect(state.stalledSince).toBeNull();
      state = afterPass(state, t0 + i * 5 * MINUTE, pass({ error: 'SecPaid: HTTP 503', finishedAt: `f${i}` }));
      expect(planPass(state, t0 + (i + 1) * 5 * MINUTE).routeFromMs).toBe(t0 - ROUTE_SLACK_MS);
    }
    expect(state).toMatchObject({ failedPassesInARow: 3, stalledSince: 'f3', lastCompletePass: ok.lastPass });
    expect(afterPass(state, t0 + 4 * 5 * MINUTE, pass()).stalledSince).toBeNull();
  });

  it('a page is the last when it has fewer rows than asked, or the envelope counts no more', () => {
    expect(lastPage(1, 1000, 999, undefined)).toBe(true);
    expect(lastPage(1, 1000, 1000, undefined)).toBe(false);
    expect(lastPage(2, 1000, 1000, 2000)).toBe(true);
    expect(lastPage(2, 1000, 1000, 2500)).toBe(false);
    expect(lastPage(2, 1000, 1000, Number.NaN)).toBe(false);
  });

  it('the next pass starts an interval after this one began, and never sooner than a page gap', () => {
    expect(nextPassInMs(settings, t0, t0 + MINUTE)).toBe(4 * MINUTE);
    expect(nextPassInMs(settings, t0, t0 + 20 * MINUTE)).toBe(settings.pageGapMs);
  });

  it('tells the refunds after every stalled pass; then, after each complete pass, that it is back until none is marked', () => {
    const failing = pass({ error: 'SecPaid: HTTP 503' });
    // A new reconciler (or one from before it told refunds) looks once for refunds an old one marked.
    let state = afterPass(fresh, t0, pass({ full: true }));
    expect(refundsToTell(state)).toBe('back');
    state = afterTelling(state, 'back', 0);
    expect(refundsToTell(state)).toBeNull();
    for (let i = 1; i < STALL_AFTER_FAILED_PASSES; i += 1) state = afterPass(state, t0 + i * MINUTE, failing);
    expect(refundsToTell(state)).toBeNull();
    state = afterPass(state, t0 + 3 * MINUTE, failing);
    expect(refundsToTell(state)).toBe('stalled');
    // Telling failed part-way: refunds may be marked all the same.
    state = afterTelling(state, 'stalled', null);
    state = afterPass(state, t0 + 4 * MINUTE, failing);
    expect(refundsToTell(state)).toBe('stalled');
    state = afterTelling(afterPass(afterTelling(state, 'stalled', 40), t0 + 5 * MINUTE, pass()), 'back', 40);
    // Some took the stall only after the first `back`, or visibility lags: told again after the next pass.
    expect(refundsToTell(state)).toBe('back');
    expect(refundsToTell(afterTelling(state, 'back', null))).toBe('back');
    expect(refundsToTell(afterTelling(state, 'back', 0))).toBeNull();
  });

  it('a stall goes to the running SecPaid refunds of its queue that take it, in review, asking nobody yet; its end to those it marked', () => {
    const served =
      "WorkflowType = 'refund' AND ExecutionStatus = 'Running' AND TaskQueue = 'refunds' AND RefundProvider = 'secpaid'";
    expect(refundsToTellQuery({ refundsTaskQueue: 'refunds', health: { stalledSince: 'x', reason: 'r' } })).toBe(
      `${served} AND TemporalChangeVersion = 'reconciled-watch' AND RefundStatus = 'PENDING_REVIEW' AND NeedsAttention = false`
    );
    expect(refundsToTellQuery({ refundsTaskQueue: 'refunds', health: { stalledSince: null, reason: 'r' } })).toBe(
      `${served} AND ReconcilerStalled = true`
    );
  });
});
