import { reconcilerStateQuery, secpaidReconcilerWorkflowId } from '../../src/contract';
import { quietLogger, uniqueRefundId } from '../support/stack';
import type { SecpaidReads } from '../../harness/sandbox-api';
import { pool } from '../../harness/waits';
import { startTimeSkipStack } from '../../harness/timeskip-stack';
import type { TimeSkipStack } from '../../harness/timeskip-stack';

/**
 * SecPaid's reconciler at scale, with production settings (a pass every 5 min, 10 % of 0.9
 * requests a second), on Temporal's time-skipping test server: 3,000 refunds wait in review for
 * 14 days while SecPaid's admin approves three a day; every read is a real HTTP request. About six
 * minutes alone on two cores, so it is `npm run test:scale` (which `.ci/run` runs after `npm test`),
 * not part of `npm test`.
 */
const PASS_MS = 5 * 60_000;
const REFUNDS = 3_000;
const DAYS = 14;
const APPROVED_A_DAY = 3;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let stack: TimeSkipStack;
beforeAll(async () => {
  // Guards stay open while their refund waits, checking it every quiet window (1 h): 3,000 guards
  // checking hourly would be most of this test's time and none of what it measures.
  stack = await startTimeSkipStack(quietLogger(), process.env.TEST_WORKFLOW_BUNDLE ?? '', {
    PAYMENT_GUARD_QUIET_WINDOW_MS: String(15 * DAY),
    SECPAID_RECONCILE_INTERVAL_MS: String(PASS_MS),
  });
}, 120_000);
afterAll(() => stack?.close());

it('3,000 refunds in review for 14 days: each approval is seen within one pass, the account is read a page a pass, and no refund reads its own link but once a week', async () => {
  const reads = async (): Promise<SecpaidReads> =>
    (await stack.control('GET', '/_sandbox/secpaid/reads')) as SecpaidReads;
  // Paid days ago, as a busy account's older pay-ins are: a pass reads only the last two days' rows.
  const paidAt = new Date(Date.now() - 3 * DAY).toISOString();
  // The test server's clock moves while the refunds start (a start waits on its guard): the 14 days
  // are counted from here, before the first review began.
  const startedAt = await stack.env.currentTimeMs();
  const refunds: { refundId: string; payId: string }[] = [];
  await pool(REFUNDS, 32, async (i) => {
    const amountMinor = 1_000 + i;
    const link = (await stack.control('POST', '/_sandbox/secpaid/payments', { amountMinor, paidAt })) as {
      payId: number;
    };
    const refundId = uniqueRefundId(`wait${i}`);
    refunds[i] = { refundId, payId: String(link.payId) };
    await stack.refunds.start({
      provider: 'secpaid',
      refundId,
      paymentId: String(link.payId),
      amount: { amountMinor, currency: 'EUR' },
      full: true,
    });
  });
  const requested = async (): Promise<number> =>
    ((await stack.control('GET', '/_sandbox/secpaid/refunds')) as { refunds: unknown[] }).refunds.length;
  while ((await requested()) < REFUNDS) await new Promise((r) => setTimeout(r, 200));
  const start = await reads();

  const approved: { refundId: string; payId: string; at: number; seenWithinMs: number }[] = [];
  const pagesByDay: number[] = [];
  for (let day = 0; day < DAYS; day += 1) {
    const dayStart = await reads();
    for (let k = 0; k < APPROVED_A_DAY; k += 1) {
      await stack.env.sleep(DAY / (APPROVED_A_DAY + 1) - (k === 0 ? 0 : PASS_MS + MINUTE));
      const refund = refunds[day * APPROVED_A_DAY + k]!;
      const at = await stack.env.currentTimeMs();
      await stack.control('POST', `/_sandbox/secpaid/refunds/${refund.payId}/approve`, {
        at: new Date(at).toISOString(),
      });
      // One pass and its page later, the refund knows.
      await stack.env.sleep(PASS_MS + MINUTE);
      const state = await stack.refunds.get(refund.refundId);
      const succeededAt = Date.parse(state.transitions.find((t) => t.to === 'SUCCEEDED')?.at ?? '');
      approved.push({ ...refund, at, seenWithinMs: state.status === 'SUCCEEDED' ? succeededAt - at : Infinity });
    }
    // To the end of the day (the last hour of day 14 is left out: there the review SLA asks a person).
    const endOfDay = startedAt + (day + 1) * DAY - (day === DAYS - 1 ? HOUR : 0);
    await stack.env.sleep(Math.max(1, endOfDay - (await stack.env.currentTimeMs())));
    pagesByDay.push((await reads()).pages - dayStart.pages);
  }
  const end = await reads();

  // Every approval was seen by the next pass: within a pass and its page.
  expect(approved).toHaveLength(DAYS * APPROVED_A_DAY);
  for (const a of approved) expect(a.seenWithinMs).toBeLessThanOrEqual(PASS_MS + MINUTE);
  // A pass every 5 min, one page each (the day's refund rows): 288 a day, never more calls than
  // pages; and once a day a full pass of the last 30 days (here 3,000 pay-ins: 4 pages).
  for (const pages of pagesByDay) {
    expect(pages).toBeGreaterThanOrEqual(270);
    expect(pages).toBeLessThanOrEqual(295);
  }
  const reconciler = await stack.env.client.workflow
    .getHandle(secpaidReconcilerWorkflowId(stack.deps.taskQueue))
    .query(reconcilerStateQuery);
  expect(reconciler).toMatchObject({ failedPassesInARow: 0, stalledSince: null });
  expect(reconciler.lastCompletePass?.pages).toBe(1);
  // A waiting refund read its own link once or twice in 14 days (its weekly fallback, ± 10 %), an
  // approved one once more, woken by its row: about 4,500 reads in 14 days, not the 252,000 of
  // reads every 4 hours.
  const ownReads = (r: { payId: string }): number => (end.byPayId[r.payId] ?? 0) - (start.byPayId[r.payId] ?? 0);
  const approvedIds = new Set(approved.map((a) => a.payId));
  const waitingReads = refunds.filter((r) => !approvedIds.has(r.payId)).map(ownReads);
  expect(Math.max(...waitingReads)).toBeLessThanOrEqual(2);
  // Nobody reached the SLA: no one was asked.
  for (const r of refunds.slice(approved.length, approved.length + 50))
    expect((await stack.refunds.get(r.refundId)).needsAttention).toBe(false);
  for (const a of approved) expect(ownReads(a)).toBeGreaterThanOrEqual(1);
  // The others still wait, none taken for approved.
  const waiting = refunds.slice(approved.length, approved.length + 50);
  for (const r of waiting) expect((await stack.refunds.get(r.refundId)).status).toBe('PENDING_REVIEW');
  expect(stack.sandbox.ledger.list({ provider: 'secpaid' })).toHaveLength(approved.length);
}, 1_500_000);
