import type { AddressInfo } from 'node:net';

import { TestWorkflowEnvironment } from '@temporalio/testing';

import { RefundsClient } from '../src/client';
import { loadConfig } from '../src/config';
import { ensureTimeSkippingServer } from '../src/dev/test-server';
import { buildSandbox } from '../src/sandbox/server';
import type { Sandbox } from '../src/sandbox/server';
import { installTemporalRuntime } from '../src/temporal/runtime';
import { registerSearchAttributes } from '../src/temporal/search-attributes';
import { createRefundWorkers } from '../src/worker';
import type { RefundWorkers } from '../src/worker';

import { quietLogger, uniqueRefundId } from './support/stack';

/**
 * SecPaid's review with production defaults (4-hour polls, 14-day SLA), on Temporal's time-skipping
 * test server: ten days pass in seconds, every poll is a real HTTP read of the sandbox.
 */
let env: TestWorkflowEnvironment;
let sandbox: Sandbox;
let workers: RefundWorkers;
let running: Promise<void>;
let refunds: RefundsClient;
const taskQueue = 'refunds-timeskip';

beforeAll(async () => {
  const logger = quietLogger();
  installTemporalRuntime(logger);
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: ensureTimeSkippingServer() } },
  });
  await registerSearchAttributes(env.client.connection.operatorService, 'default');
  sandbox = await buildSandbox();
  await sandbox.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  // Skipped time packs days of reads into real seconds; SecPaid's per-minute limit is real time.
  // (The limit and the task queue's rate limit are tested against the dev server.)
  await sandbox.app.inject({
    method: 'PUT',
    url: '/_sandbox/secpaid/settings',
    payload: { rateLimitPerMinute: 1_000_000 },
  });
  const config = loadConfig({ NODE_ENV: 'test', SECPAID_BASE_URL: `${url}/secpaid` });
  workers = await createRefundWorkers({
    connection: env.nativeConnection,
    client: env.client,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE ?? '' },
    providers: config.providers,
    callbacks: config.callbacks,
    logger,
  });
  running = workers.run();
  refunds = new RefundsClient(env.client, { taskQueue });
}, 120_000);

afterAll(async () => {
  workers?.shutdown();
  await running;
  await sandbox?.app.close();
  await env?.teardown();
});

async function reviewFor(
  days: number
): Promise<{ events: number; polls: number; outcome: string; reviewedForMs: number }> {
  const payId = await link();
  const refundId = uniqueRefundId(`review${days}d`);
  const pollsBefore = sandbox.requestCount('secpaid', 'transactions');
  await refunds.start({
    provider: 'secpaid',
    refundId,
    paymentId: payId,
    amount: { amountMinor: 4999, currency: 'EUR' },
    full: true,
  });
  await env.sleep(`${days} days`);
  await sandbox.app.inject({ method: 'POST', url: `/_sandbox/secpaid/refunds/${payId}/approve`, payload: {} });
  const outcome = await refunds.waitForOutcome(refundId);
  const handle = env.client.workflow.getHandle(`refund-${refundId}`);
  const history = await handle.fetchHistory();
  const state = await refunds.get(refundId);
  const reviewed = state.transitions.find((t) => t.to === 'PENDING_REVIEW')?.at ?? '';
  const succeeded = state.transitions.find((t) => t.to === 'SUCCEEDED')?.at ?? '';
  return {
    events: history.events?.length ?? 0,
    polls: sandbox.requestCount('secpaid', 'transactions') - pollsBefore,
    outcome: outcome.status,
    reviewedForMs: Date.parse(succeeded) - Date.parse(reviewed),
  };
}

async function link(): Promise<string> {
  const res = await sandbox.app.inject({
    method: 'POST',
    url: '/_sandbox/secpaid/payments',
    payload: { amountMinor: 4999 },
  });
  return String(res.json<{ payId: number }>().payId);
}

describe('SecPaid review on the time-skipping server, production defaults', () => {
  it('waits 10 days in review, polling every ~4 h, and ends SUCCEEDED in under 40 history events', async () => {
    const tenDays = await reviewFor(10);
    expect(tenDays.outcome).toBe('SUCCEEDED');
    expect(tenDays.reviewedForMs).toBeGreaterThanOrEqual(10 * 24 * 3_600_000);
    // 10 days at 4 h ± 10 %: about 60 reads of getPayInTransactions, none of them in history.
    expect(tenDays.polls).toBeGreaterThanOrEqual(50);
    expect(tenDays.events).toBeLessThan(40);

    // Twice as long a wait costs the same history: it does not grow with the days.
    const oneDay = await reviewFor(1);
    expect(oneDay.outcome).toBe('SUCCEEDED');
    expect(oneDay.polls).toBeLessThan(tenDays.polls);
    expect(tenDays.events).toBe(oneDay.events);
  });
});
