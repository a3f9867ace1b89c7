import type { Logger } from '../src/logger';

import type { SecpaidReads } from './sandbox-api';
import { uniqueRefundId } from './waits';
import { startTimeSkipStack } from './timeskip-stack';

/**
 * SecPaid's review with production defaults (14-day SLA; the reconciler passing hourly) on
 * Temporal's time-skipping test server: days pass in seconds and every read is a real HTTP request
 * to the sandbox. Shared by the review test and the benchmark's history figure.
 */
export interface ReviewStack {
  review(days: number): Promise<ReviewFigures>;
  close(): Promise<void>;
}

export interface ReviewFigures {
  /** History events of the refund's workflow, start to end. */
  readonly events: number;
  /** Reads of `getPayInTransactions` for the refund's own link (the refund's reads). */
  readonly polls: number;
  /** Pages of the account the reconciler read meanwhile (for every waiting refund at once). */
  readonly accountPages: number;
  /** From the admin's approval to SUCCEEDED, in the refund's (skipped) time. */
  readonly approvalToSucceededMs: number;
  readonly outcome: string;
  /** Time between PENDING_REVIEW and SUCCEEDED, as the workflow recorded it. */
  readonly reviewedForMs: number;
  /** Whether the SLA passed and the refund asked for a person on the way. */
  readonly attentionRaised: boolean;
}

export async function startReviewStack(logger: Logger, workflowBundle: string): Promise<ReviewStack> {
  // The reconciler passes hourly here (days of 5-minute passes cost minutes of test server time):
  // the 3,000-refund test runs its production 5 minutes.
  const stack = await startTimeSkipStack(logger, workflowBundle, { SECPAID_RECONCILE_INTERVAL_MS: '3600000' });
  const { env, refunds, sandbox: box } = stack;

  const link = async (): Promise<string> => {
    const res = await box.app.inject({
      method: 'POST',
      url: '/_sandbox/secpaid/payments',
      payload: { amountMinor: 4999 },
    });
    return String(res.json<{ payId: number }>().payId);
  };

  const reads = async (): Promise<SecpaidReads> =>
    (await box.app.inject({ method: 'GET', url: '/_sandbox/secpaid/reads' })).json();

  return {
    async review(days) {
      const payId = await link();
      const refundId = uniqueRefundId(`review${days}d`);
      const before = await reads();
      await refunds.start({
        provider: 'secpaid',
        refundId,
        paymentId: payId,
        amount: { amountMinor: 4999, currency: 'EUR' },
        full: true,
      });
      await env.sleep(`${days} days`);
      // The admin decides at the test server's time, which the refund's own clock follows.
      const decidedAt = new Date(await env.currentTimeMs()).toISOString();
      await box.app.inject({
        method: 'POST',
        url: `/_sandbox/secpaid/refunds/${payId}/approve`,
        payload: { at: decidedAt },
      });
      const outcome = await refunds.waitForOutcome(refundId);
      const history = await env.client.workflow.getHandle(`refund-${refundId}`).fetchHistory();
      const state = await refunds.get(refundId);
      const at = (to: string): number => Date.parse(state.transitions.find((t) => t.to === to)?.at ?? '');
      const after = await reads();
      return {
        events: history.events?.length ?? 0,
        polls: after.byPayId[payId] ?? 0,
        accountPages: after.pages - before.pages,
        approvalToSucceededMs: at('SUCCEEDED') - Date.parse(decidedAt),
        outcome: outcome.status,
        reviewedForMs: at('SUCCEEDED') - at('PENDING_REVIEW'),
        attentionRaised: state.attempts.some((a) => a.outcome === 'deadline'),
      };
    },
    close: () => stack.close(),
  };
}
