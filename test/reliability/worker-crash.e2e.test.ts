import type { IncomingMessage, ServerResponse } from 'node:http';

import type { RefundRequestInput } from '../../src/providers';
import { isFinal } from '../../src/refunds/status';
import { paymentAndRefund, settleAtProvider } from '../../harness/payments';
import type { ProviderName } from '../../harness/payments';
import { startWorkerProcess } from '../../harness/processes';
import { suiteLogFile } from '../support/suite-log';
import type { WorkerProcess } from '../../harness/processes';
import { startTestStack, stateWhen, temporalAddress } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * Real worker processes, killed with SIGKILL (no drain, no goodbye) at three moments of a provider
 * call, then replaced. Temporal notices the dead worker by the activity's start-to-close timeout
 * (30 s) and retries on the new one; a retry must never refund twice.
 */
let stack: TestStack;
let worker: WorkerProcess | undefined;
beforeAll(async () => {
  stack = await startTestStack({ worker: false });
});
afterAll(async () => {
  await worker?.kill('SIGKILL');
  await stack?.stop();
});

const refundPaths: Record<ProviderName, RegExp> = {
  secpaid: /^\/secpaid\/api\/v2\/refundPayment/,
  sandpay: /^\/sandpay\/v1\/payments\/[^/]+\/refund/,
  paymentoptions: /^\/paymentoptions\/api\/v1\/server-to-server-interface\/refund/,
  openpayd: /^\/openpayd\/pw\/v3\/payment\/refund/,
  getpaid: /^\/getpaid\/refunds$/,
};

/** Calls `then` for each sandbox request whose path matches, as it arrives (before any handler). */
function onSandboxRequest(path: RegExp, then: (req: IncomingMessage, res: ServerResponse) => void): () => void {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'POST' && path.test(req.url ?? '')) then(req, res);
  };
  stack.sandbox.app.server.on('request', listener);
  return () => stack.sandbox.app.server.off('request', listener);
}

const startWorker = (name: string): Promise<WorkerProcess> =>
  startWorkerProcess({
    name: `crash-${name}`,
    logFile: suiteLogFile(`crash-${name}`),
    temporalAddress: temporalAddress(),
    taskQueue: stack.taskQueue,
    timeScale: stack.config.timeScale,
    sandboxUrl: stack.sandboxUrl,
  });

async function killWhen(arrived: Promise<void>, victim: WorkerProcess): Promise<NodeJS.Signals | number | null> {
  await arrived;
  return victim.kill('SIGKILL');
}

it('every refund finishes after SIGKILLs before, during and right after provider calls, each refunded once', async () => {
  const refunds: RefundRequestInput[] = [];
  const start = async (provider: ProviderName): Promise<RefundRequestInput> => {
    const request = await paymentAndRefund(stack.api, provider, 700 + refunds.length, `crash-${provider}`);
    refunds.push(request);
    await stack.refunds.start(request);
    return request;
  };

  // Before: GetPaid's OAuth token is fetched first; the worker dies there, before the refund call left.
  worker = await startWorker('before');
  let stopListening = () => {};
  const tokenRequested = new Promise<void>((resolve) => {
    stopListening = onSandboxRequest(/^\/getpaid\/oauth\/token/, () => resolve());
  });
  await start('getpaid');
  expect(await killWhen(tokenRequested, worker)).toBe('SIGKILL');
  stopListening();
  expect(stack.sandbox.ledger.list({ provider: 'getpaid' })).toHaveLength(0);

  // During: the provider holds each request 1.5 s and then commits it; the worker dies while it waits.
  worker = await startWorker('during');
  const during: ProviderName[] = ['openpayd', 'sandpay', 'secpaid', 'paymentoptions'];
  let arrivedCount = 0;
  const allArrived = new Promise<void>((resolve) => {
    const stops = during.map((p) =>
      onSandboxRequest(refundPaths[p], () => {
        arrivedCount += 1;
        if (arrivedCount === during.length) {
          stops.forEach((stop) => stop());
          resolve();
        }
      })
    );
  });
  for (const provider of during) {
    await stack.api.fault({ provider, endpoint: 'refund', kind: 'slow', delayMs: 1_500, times: 1 });
    await start(provider);
  }
  expect(await killWhen(allArrived, worker)).toBe('SIGKILL');

  // Right after: the provider has answered (the response is on the wire) when the worker dies.
  worker = await startWorker('after');
  const after: ProviderName[] = ['sandpay', 'openpayd'];
  const answered = Promise.all(
    after.map(
      (p) =>
        new Promise<void>((resolve) => {
          const stop = onSandboxRequest(refundPaths[p], (_req, res) => {
            stop();
            res.once('finish', () => resolve());
          });
        })
    )
  ).then(() => undefined);
  for (const provider of after) await start(provider);
  expect(await killWhen(answered, worker)).toBe('SIGKILL');

  // A healthy worker picks everything up once the dead one's activities time out.
  worker = await startWorker('recovery');
  const askedAPerson: string[] = [];
  for (const request of refunds) {
    const state = await stateWhen(
      stack.refunds,
      request.refundId,
      (s) => isFinal(s.status) || s.needsAttention || s.status === 'PENDING_REVIEW' || s.status === 'PENDING_PROVIDER',
      'an outcome, a provider wait or a question for a person',
      90_000
    );
    await settleAtProvider(stack.api, state);
    // Without an idempotency key (PaymentOptions, OpenPayd, GetPaid) a refund whose attempt died
    // is never sent again blindly: it is looked for, and when it is not found a person is asked,
    // who looks at the provider's back office (here, the sandbox's ledger).
    if (state.needsAttention && !isFinal(state.status)) {
      expect(['paymentoptions', 'openpayd', 'getpaid']).toContain(state.provider);
      askedAPerson.push(state.provider);
      const booked = stack.sandbox.ledger.list({ provider: state.provider, paymentId: state.paymentId });
      await stack.refunds.resolve(request.refundId, {
        outcome: booked.length === 1 ? 'SUCCEEDED' : 'FAILED',
        reason: `back office shows ${booked.length} refund(s)`,
        by: 'ops@example.com',
      });
    }
  }
  expect(askedAPerson).toContain('paymentoptions');
  for (const request of refunds) {
    const outcome = await stack.refunds.waitForOutcome(request.refundId);
    const booked = stack.sandbox.ledger.list({ provider: request.provider, paymentId: request.paymentId });
    // Never twice; SUCCEEDED exactly when the provider refunded, FAILED only when it did not.
    expect(booked.length).toBeLessThanOrEqual(1);
    expect({ refund: request.refundId, status: outcome.status }).toEqual({
      refund: request.refundId,
      status: booked.length === 1 ? 'SUCCEEDED' : 'FAILED',
    });
    if (booked.length === 1) expect(booked[0]?.amountMinor).toBe(request.amount.amountMinor);
    else expect(askedAPerson).toContain(request.provider);
  }
}, 180_000);
