import { TestWorkflowEnvironment } from '@temporalio/testing';

import { RefundsClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { ensureTimeSkippingServer } from '../../src/dev/test-server';
import type { Logger } from '../../src/logger';
import { buildSandbox } from '../../src/sandbox/server';
import type { Sandbox } from '../../src/sandbox/server';
import { installTemporalRuntime } from '../../src/temporal/runtime';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';
import { refundPolicySettings } from '../../src/activities/refund-policy';
import { createRefundWorkers } from '../../src/worker';

import { uniqueRefundId } from './stack';

/**
 * SecPaid's review with production defaults (4-hour reads, 14-day SLA) on Temporal's time-skipping
 * test server: days pass in seconds and every read is a real HTTP request to the sandbox. Shared by
 * the review test and the benchmark's history figure.
 */
export interface ReviewStack {
  review(days: number): Promise<ReviewFigures>;
  close(): Promise<void>;
}

export interface ReviewFigures {
  /** History events of the refund's workflow, start to end. */
  readonly events: number;
  /** Reads of `getPayInTransactions` the refund made. */
  readonly polls: number;
  readonly outcome: string;
  /** Time between PENDING_REVIEW and SUCCEEDED, as the workflow recorded it. */
  readonly reviewedForMs: number;
  /** Whether the SLA passed and the refund asked for a person on the way. */
  readonly attentionRaised: boolean;
}

export async function startReviewStack(logger: Logger, workflowBundle: string): Promise<ReviewStack> {
  installTemporalRuntime(logger);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: ensureTimeSkippingServer() } },
  });
  let sandbox: Sandbox | undefined;
  try {
    await registerSearchAttributes(env.client.connection.operatorService, 'default');
    sandbox = await buildSandbox();
    await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
    // Skipped time packs days of reads into real seconds; SecPaid's per-minute limit is real time.
    // (The limit and the task queue's rate limit are tested against the dev server.)
    await sandbox.app.inject({
      method: 'PUT',
      url: '/_sandbox/secpaid/settings',
      payload: { rateLimitPerMinute: 1_000_000 },
    });
  } catch (err) {
    await sandbox?.app.close();
    await env.teardown();
    throw err;
  }
  const box = sandbox;
  const taskQueue = 'refunds-timeskip';
  const config = loadConfig({ NODE_ENV: 'test', SECPAID_BASE_URL: `${box.url()}/secpaid` });
  const workers = await createRefundWorkers({
    connection: env.nativeConnection,
    client: env.client,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: workflowBundle },
    providers: config.providers,
    callbacks: config.callbacks,
    policy: refundPolicySettings(config),
    logger,
  });
  const running = workers.run();
  const refunds = new RefundsClient(env.client, { taskQueue });

  const link = async (): Promise<string> => {
    const res = await box.app.inject({
      method: 'POST',
      url: '/_sandbox/secpaid/payments',
      payload: { amountMinor: 4999 },
    });
    return String(res.json<{ payId: number }>().payId);
  };

  return {
    async review(days) {
      const payId = await link();
      const refundId = uniqueRefundId(`review${days}d`);
      const pollsBefore = box.requestCount('secpaid', 'transactions');
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
      return {
        events: history.events?.length ?? 0,
        polls: box.requestCount('secpaid', 'transactions') - pollsBefore,
        outcome: outcome.status,
        reviewedForMs: at('SUCCEEDED') - at('PENDING_REVIEW'),
        attentionRaised: state.attempts.some((a) => a.outcome === 'deadline'),
      };
    },
    async close() {
      workers.shutdown();
      await running;
      await box.app.close();
      await env.teardown();
    },
  };
}
