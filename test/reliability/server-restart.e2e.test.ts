import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';

import { buildApi } from '../../src/api/server';
import { startDevServer } from '../../src/dev/dev-server';
import type { DevServer } from '../../src/dev/dev-server';
import type { RefundRequestInput } from '../../src/providers';
import { scanSuiteForSecrets } from '../setup/secret-scan';
import { paymentAndRefund, settleAtProvider } from '../../harness/payments';
import { freePort } from '../../src/dev/ports';
import { TEST_API_TOKEN, TEST_API_TOKENS } from '../support/secrets';
import { suiteLogDir } from '../support/suite-log';
import { eventually, quietLogger, startTestStack, stateWhen } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * A Temporal dev server of this file's own, on a SQLite file, stopped while refunds are in flight
 * and started again on the same file: nothing is lost, the API says 503 meanwhile, and the worker
 * and the API carry on by themselves once it is back.
 */
let dir: string;
let server: DevServer;
let stack: TestStack;
let api: FastifyInstance;
let port: number;
const logger = quietLogger();

const serverOn = (dbFile: string): Promise<DevServer> =>
  startDevServer({
    cliPath: process.env.TEST_TEMPORAL_CLI ?? 'temporal',
    ip: '127.0.0.1',
    port,
    uiPort: undefined,
    dbFile,
    namespace: 'default',
    logger,
  });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'refunds-restart-'));
  port = await freePort();
  server = await serverOn(path.join(dir, 'temporal.db'));
  stack = await startTestStack({ temporalAddress: server.address, logger });
  api = await buildApi({ refunds: stack.refunds, tokens: TEST_API_TOKENS, webhookSecrets: {}, logger });
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 90_000);

const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };

it('loses nothing when the server stops mid-flight; the API answers 503 meanwhile and recovers', async () => {
  const inFlight: RefundRequestInput[] = [
    await paymentAndRefund(stack.api, 'secpaid', 1234, 'restart'),
    await paymentAndRefund(stack.api, 'getpaid', 2345, 'restart'),
    await paymentAndRefund(stack.api, 'sandpay', 3456, 'restart', { refundOutcome: 'PENDING' }),
  ];
  for (const request of inFlight) await stack.refunds.start(request);
  const waiting = await Promise.all(
    inFlight.map((r) =>
      stateWhen(stack.refunds, r.refundId, (s) => s.status.startsWith('PENDING_'), 'waiting on the provider')
    )
  );

  await server.stop();

  // Down: the providers decide meanwhile, and the API refuses to pretend.
  for (const state of waiting) await settleAtProvider(stack.api, state);
  const late = await paymentAndRefund(stack.api, 'openpayd', 4567, 'restart');
  const whileDown = await api.inject({ method: 'POST', url: '/v1/refunds', payload: late, headers: auth });
  expect(whileDown.statusCode).toBe(503);
  const readWhileDown = await api.inject({ method: 'GET', url: `/v1/refunds/${inFlight[0]!.refundId}`, headers: auth });
  expect(readWhileDown.statusCode).toBe(503);
  await new Promise((r) => setTimeout(r, 3_000)); // polls and workflow tasks fail meanwhile

  server = await serverOn(path.join(dir, 'temporal.db'));

  // Back: the caller retries its refused start; the worker and the API reconnected on their own.
  // A caller retries a 503 (that is what it means); the API recovers within a few of its retries.
  const retried = await eventually(async () => {
    const res = await api.inject({ method: 'POST', url: '/v1/refunds', payload: late, headers: auth });
    return res.statusCode === 503 ? undefined : res;
  }, 'the API to recover');
  expect(retried.statusCode).toBe(201);
  for (const request of [...inFlight, late]) {
    const outcome = await stack.refunds.waitForOutcome(request.refundId);
    expect({ refundId: request.refundId, status: outcome.status }).toEqual({
      refundId: request.refundId,
      status: 'SUCCEEDED',
    });
    expect(stack.sandbox.ledger.list({ provider: request.provider, paymentId: request.paymentId })).toHaveLength(1);
  }
  expect((await api.inject({ method: 'GET', url: `/v1/refunds/${late.refundId}`, headers: auth })).statusCode).toBe(
    200
  );
  // This server is not the suite's: its histories get the teardown's secret scan here.
  const scan = await scanSuiteForSecrets(server.address, suiteLogDir());
  expect(scan.histories).toBeGreaterThanOrEqual(4);
  expect(scan.findings).toEqual([]);
}, 120_000);
