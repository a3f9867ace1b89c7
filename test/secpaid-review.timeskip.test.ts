import { quietLogger } from './support/stack';
import { startReviewStack } from '../harness/secpaid-review';
import type { ReviewStack } from '../harness/secpaid-review';

/**
 * SecPaid's review with production defaults (14-day SLA; the reconciler passing hourly), on
 * Temporal's time-skipping test server: ten days pass in seconds, every read is a real HTTP read
 * of the sandbox.
 */
let stack: ReviewStack;

beforeAll(async () => {
  stack = await startReviewStack(quietLogger(), process.env.TEST_WORKFLOW_BUNDLE ?? '');
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('SecPaid review on the time-skipping server, production defaults', () => {
  it('waits 10 days in review, read by the reconciler, sees the approval within a pass (an hour), and ends SUCCEEDED in under 50 history events', async () => {
    const tenDays = await stack.review(10);
    expect(tenDays.outcome).toBe('SUCCEEDED');
    expect(tenDays.reviewedForMs).toBeGreaterThanOrEqual(10 * 24 * 3_600_000);
    // The reconciler read the account every hour (a page a pass); the refund read its own link
    // once, woken by the approval's row, and once more in its weekly fallback.
    expect(tenDays.accountPages).toBeGreaterThanOrEqual(10 * 24 * 0.9);
    expect(tenDays.polls).toBeGreaterThanOrEqual(1);
    expect(tenDays.polls).toBeLessThanOrEqual(2);
    expect(tenDays.approvalToSucceededMs).toBeLessThanOrEqual(61 * 60_000);
    expect(tenDays.events).toBeLessThan(50);

    // Ten times as long a wait costs the same history: it does not grow with the days.
    const oneDay = await stack.review(1);
    expect(oneDay.outcome).toBe('SUCCEEDED');
    expect(oneDay.polls).toBe(1);
    expect(oneDay.approvalToSucceededMs).toBeLessThanOrEqual(61 * 60_000);
    // Ten days cost only the 7-day fallback read more (its activity, and the cancel of its retry by the wake).
    expect(tenDays.events - oneDay.events).toBeLessThanOrEqual(14);
  }, 300_000);
});
