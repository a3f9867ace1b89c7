import { quietLogger } from './support/stack';
import { startReviewStack } from '../harness/secpaid-review';
import type { ReviewStack } from '../harness/secpaid-review';

/**
 * SecPaid's review with production defaults (4-hour polls, 14-day SLA), on Temporal's time-skipping
 * test server: ten days pass in seconds, every poll is a real HTTP read of the sandbox.
 */
let stack: ReviewStack;

beforeAll(async () => {
  stack = await startReviewStack(quietLogger(), process.env.TEST_WORKFLOW_BUNDLE ?? '');
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('SecPaid review on the time-skipping server, production defaults', () => {
  it('waits 10 days in review, polling every ~4 h, and ends SUCCEEDED in under 40 history events', async () => {
    const tenDays = await stack.review(10);
    expect(tenDays.outcome).toBe('SUCCEEDED');
    expect(tenDays.reviewedForMs).toBeGreaterThanOrEqual(10 * 24 * 3_600_000);
    // 10 days at 4 h ± 10 %: about 60 reads of getPayInTransactions, none of them in history.
    expect(tenDays.polls).toBeGreaterThanOrEqual(50);
    expect(tenDays.events).toBeLessThan(40);

    // Ten times as long a wait costs the same history: it does not grow with the days.
    const oneDay = await stack.review(1);
    expect(oneDay.outcome).toBe('SUCCEEDED');
    expect(oneDay.polls).toBeLessThan(tenDays.polls);
    expect(tenDays.events).toBe(oneDay.events);
  });
});
