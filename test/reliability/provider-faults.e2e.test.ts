import type { FastifyInstance } from 'fastify';

import { buildApi } from '../../src/api/server';
import { getpaidReference } from '../../src/providers/getpaid/reference';
import type { RefundsClient } from '../../src/client';
import { openpaydProfile } from '../../src/providers/openpayd/profile';
import { finalStatuses } from '../../src/refunds/status';
import type { RefundState } from '../../src/refunds/state';
import type { FaultSpec } from '../../src/sandbox/faults';
import { paymentAndRefund, settleAtProvider } from '../../harness/payments';
import type { ProviderName } from '../../harness/payments';
import { freePort } from '../../src/dev/ports';
import { TEST_API_TOKEN, TEST_API_TOKENS, TEST_WEBHOOK_SECRET } from '../support/secrets';
import { quietLogger, startTestStack, stateWhen, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * Providers misbehaving in every way the sandbox can: bursts of 5xx, resets, slow answers past the
 * client's timeout, 429 with Retry-After, answers lost after the refund was made, a provider down
 * for many minutes; webhooks duplicated, reordered, late and early; one refundId started many
 * times at once. Each refund ends once, and the provider refunded it once.
 */
let stack: TestStack;
let api: FastifyInstance;
let apiUrl: string;

beforeAll(async () => {
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  stack = await startTestStack({
    env: { GETPAID_WEBHOOK_URL: `${apiUrl}/v1/webhooks/getpaid?token=${TEST_WEBHOOK_SECRET}` },
  });
  api = await buildApi({
    refunds: stack.refunds,
    tokens: TEST_API_TOKENS,
    webhookSecrets: { getpaid: TEST_WEBHOOK_SECRET },
    logger: quietLogger(),
  });
  await api.listen({ host: '127.0.0.1', port });
});
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

/** The refund ended exactly once: one transition into a final status, and it is the last. */
function expectEndedOnce(state: RefundState): void {
  const finals = state.transitions.filter((t) => finalStatuses.has(t.to));
  expect(finals).toHaveLength(1);
  expect(state.transitions.at(-1)).toBe(finals[0]);
}

const requestsTo = async (endpoint: string): Promise<number> =>
  (await stack.api.call<{ requests: Record<string, number> }>('GET', '/_sandbox/stats')).requests[endpoint] ?? 0;

describe('provider faults', () => {
  const faultsByProvider: [ProviderName, Partial<FaultSpec>[]][] = [
    [
      'sandpay',
      [
        { kind: 'http-error', status: 502, times: 2 },
        { kind: 'reset', times: 1 },
        { kind: 'slow', delayMs: 2_500, times: 1 },
        { kind: 'rate-limit', retryAfterSeconds: 1, times: 1 },
        { kind: 'commit-then-drop', times: 1 },
      ],
    ],
    // No idempotency key at OpenPayd and GetPaid: an answer that says "not processed" (429) is sent
    // again; a lost answer (the refund committed) is found by a read, never sent again.
    [
      'openpayd',
      [
        { kind: 'rate-limit', retryAfterSeconds: 0, times: 2 },
        { kind: 'commit-then-drop', times: 1 },
      ],
    ],
    [
      'getpaid',
      [
        { kind: 'rate-limit', retryAfterSeconds: 0, times: 2 },
        { kind: 'commit-then-drop', times: 1 },
      ],
    ],
    [
      'secpaid',
      [
        { kind: 'http-error', status: 502, times: 2 },
        { kind: 'reset', times: 1 },
        { kind: 'rate-limit', retryAfterSeconds: 1, times: 1 },
        { kind: 'commit-then-drop', times: 1 },
      ],
    ],
    // No idempotency at PaymentOptions, and no read without the refund's id: only answers that say
    // "not processed" are sent again.
    ['paymentoptions', [{ kind: 'rate-limit', retryAfterSeconds: 0, times: 2 }]],
  ];

  /** One provider's refund through its faults; the providers run side by side. */
  async function throughFaults(provider: ProviderName, faults: Partial<FaultSpec>[]): Promise<void> {
    for (const fault of faults) await stack.api.fault({ provider, endpoint: 'refund', ...fault } as FaultSpec);
    const request = await paymentAndRefund(stack.api, provider, 1_500, `faults-${provider}`);
    await stack.refunds.start(request);
    const waiting = await stateWhen(
      stack.refunds,
      request.refundId,
      (s) => finalStatuses.has(s.status) || s.status.startsWith('PENDING_') || s.needsAttention,
      'past submission',
      60_000
    );
    expect(waiting.needsAttention).toBe(false);
    await settleAtProvider(stack.api, waiting);
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    const state = await stack.refunds.get(request.refundId);
    expectEndedOnce(state);
    expect(stack.sandbox.ledger.list({ provider, paymentId: request.paymentId })).toHaveLength(1);
    // The faults were met (a request held past our timeout may be found done, and the rest unused).
    expect(await requestsTo(`${provider}.refund`)).toBeGreaterThanOrEqual(3);
  }

  it('each provider rides out its faults one after another, and refunds once', async () => {
    await Promise.all(faultsByProvider.map(([provider, faults]) => throughFaults(provider, faults)));
    await stack.api.call('DELETE', '/_sandbox/faults');
  }, 90_000);

  it('a partial refund held by the provider past our timeout is waited for and found, never sent twice', async () => {
    // OpenPayd takes no idempotency key. The first request is held 3 s (our timeout is 2 s) and
    // then refunded; a status read at once would find nothing and a resend would refund twice.
    await stack.api.call('PUT', '/_sandbox/openpayd/account', { partialRefunds: true });
    try {
      const paymentId = await stack.api.openpaydPayment(3_000);
      await stack.api.fault({ provider: 'openpayd', endpoint: 'refund', kind: 'slow', delayMs: 3_000, times: 1 });
      const refundId = uniqueRefundId('held');
      const heldUntil = Date.now() + 3_000;
      await stack.refunds.start({
        provider: 'openpayd',
        refundId,
        paymentId,
        amount: { amountMinor: 1_000, currency: 'EUR' },
      });
      const outcome = await stack.refunds.waitForOutcome(refundId);
      expect(outcome.status).toBe('SUCCEEDED');
      // Let the held request land before reading the ledger.
      await new Promise((r) => setTimeout(r, Math.max(0, heldUntil + 500 - Date.now())));
      const booked = stack.sandbox.ledger.list({ provider: 'openpayd', paymentId });
      expect(booked.map((e) => e.amountMinor)).toEqual([1_000]);
      expect(await requestsTo('openpayd.refund')).toBeGreaterThanOrEqual(1);
    } finally {
      await stack.api.call('PUT', '/_sandbox/openpayd/account', { partialRefunds: false });
    }
  }, 60_000);

  it('backs off exponentially while a provider refuses for many minutes, then refunds once', async () => {
    // Time scale 0.01: OpenPayd's backoff (1 s doubling to 1 min) becomes 10 ms doubling to
    // 600 ms, so 12 real seconds are 20 minutes of outage. It answers 429 ("not processed"):
    // a 5xx might have been processed, and is never sent again (test/fail-closed).
    const scale = 0.01;
    const refunds = await stack.refundsAt(scale);
    await stack.api.fault({ provider: 'openpayd', endpoint: 'refund', kind: 'rate-limit', retryAfterSeconds: 0 });
    const requests = await Promise.all([1, 2, 3].map(() => paymentAndRefund(stack.api, 'openpayd', 990, 'outage')));
    const before = await requestsTo('openpayd.refund');
    const outageMs = 12_000;
    for (const request of requests) await refunds.start(request);
    await new Promise((r) => setTimeout(r, outageMs));
    const during = (await requestsTo('openpayd.refund')) - before;

    // What the retry policy allows in that time, per refund: a storm would be thousands.
    const { initialIntervalMs, backoffCoefficient, maximumIntervalMs } = openpaydProfile.submit.retry;
    let allowed = 0;
    for (let t = 0, delay = initialIntervalMs * scale; t <= outageMs; allowed += 1) {
      t += delay;
      delay = Math.min(delay * backoffCoefficient, maximumIntervalMs * scale);
    }
    expect(during).toBeGreaterThanOrEqual(requests.length * 5); // it kept trying
    expect(during).toBeLessThanOrEqual(requests.length * (allowed + 2));

    await stack.api.call('DELETE', '/_sandbox/faults');
    for (const request of requests) {
      expect((await refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
      expect(stack.sandbox.ledger.list({ provider: 'openpayd', paymentId: request.paymentId })).toHaveLength(1);
      const state = await refunds.get(request.refundId);
      expect(state.needsAttention).toBe(false);
      expectEndedOnce(state);
    }
  }, 90_000);
});

describe('one refundId started many times at once', () => {
  it('40 concurrent starts through the client and the HTTP API make one workflow and one refund', async () => {
    const request = await paymentAndRefund(stack.api, 'sandpay', 2_000, 'concurrent');
    const viaClient = Array.from({ length: 20 }, () => stack.refunds.start(request));
    const viaApi = Array.from({ length: 20 }, () =>
      fetch(`${apiUrl}/v1/refunds`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(request),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as { created: boolean } }))
    );
    const [clientAnswers, apiAnswers] = await Promise.all([Promise.all(viaClient), Promise.all(viaApi)]);
    const created = [...clientAnswers.map((a) => a.created), ...apiAnswers.map((a) => a.body.created)];
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(apiAnswers.map((a) => a.status).sort()).toEqual(apiAnswers.map((a) => (a.body.created ? 201 : 200)).sort());

    // The same id with another body, at the same time, is refused; never a second refund.
    const conflicting = await Promise.all(
      Array.from({ length: 5 }, () =>
        stack.refunds.start({ ...request, amount: { ...request.amount, amountMinor: 1_000 } }).then(
          () => 'started',
          (err: Error) => err.name
        )
      )
    );
    expect(new Set(conflicting)).toEqual(new Set(['RefundConflictError']));

    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    const runs = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = 'refund-${request.refundId}'` })) {
      runs.push(wf.runId);
    }
    expect(runs).toHaveLength(1);
    expect(stack.sandbox.ledger.list({ provider: 'sandpay', paymentId: request.paymentId })).toHaveLength(1);
  });
});

describe('GetPaid webhooks through the API, with production poll timings', () => {
  // Timings as in production: GetPaid is read every 15 minutes unless a webhook says to look now.
  let refunds: RefundsClient;
  beforeAll(async () => {
    refunds = await stack.refundsAt(1);
  });

  const deliveriesOf = async (rfd: string) =>
    (
      await stack.api.call<{ deliveries: { refundId: string; type: string; delivered: boolean; eventId: string }[] }>(
        'GET',
        '/_sandbox/getpaid/webhooks'
      )
    ).deliveries.filter((d) => d.refundId === rfd);

  const hook = (body: unknown) =>
    fetch(`${apiUrl}/v1/webhooks/getpaid?token=${TEST_WEBHOOK_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));

  it('an event that arrives before the refund has recorded GetPaid’s answer is not lost', async () => {
    // GetPaid completes the refund at once and sends its webhook, but holds its answer to us 1.5 s.
    const paymentId = await stack.api.getpaidPayment([{ accountId: 'acc_early', amountMinor: 800 }], {
      settle: { outcome: 'completed', afterMs: 0 },
    });
    await stack.api.fault({ provider: 'getpaid', endpoint: 'refund', kind: 'slow-answer', delayMs: 1_500, times: 1 });
    const refundId = uniqueRefundId('early');
    await refunds.start({
      provider: 'getpaid',
      refundId,
      paymentId,
      amount: { amountMinor: 800, currency: 'EUR' },
      full: true,
    });
    const outcome = await refunds.waitForOutcome(refundId);
    expect(outcome.status).toBe('SUCCEEDED');
    const state = await refunds.get(refundId);
    const [delivery] = await deliveriesOf(outcome.providerRefundId ?? '');
    expect(delivery).toMatchObject({ type: 'refund_completed', delivered: true });
    expectEndedOnce(state);
    expect(stack.sandbox.ledger.list({ provider: 'getpaid', paymentId })).toHaveLength(1);
  });

  it('duplicated, reordered and late events move a refund once, and only as GetPaid says', async () => {
    const paymentId = await stack.api.getpaidPayment([{ accountId: 'acc_order', amountMinor: 900 }]);
    const refundId = uniqueRefundId('order');
    await refunds.start({
      provider: 'getpaid',
      refundId,
      paymentId,
      amount: { amountMinor: 900, currency: 'EUR' },
      full: true,
    });
    const pending = await stateWhen(refunds, refundId, (s) => s.status === 'PENDING_PROVIDER', 'PENDING_PROVIDER');
    const rfd = pending.providerRefundId ?? '';

    // Out of order: a "completed" that GetPaid has not made true yet (a replay, or an event of
    // the future) makes the refund read GetPaid, which still says initiated.
    const [initiated] = await deliveriesOf(rfd);
    expect(initiated).toBeUndefined(); // the sandbox only sends final events
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/webhook`, { type: 'refund_completed' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await refunds.get(refundId)).status).toBe('PENDING_PROVIDER');

    // GetPaid completes; its event arrives five times at once.
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/complete`, {});
    const real = (await deliveriesOf(rfd)).at(-1);
    expect(real).toMatchObject({ type: 'refund_completed' });
    const event = {
      id: real?.eventId,
      type: 'refund_completed',
      data: { refund_id: rfd, reference: getpaidReference(`refund-${refundId}`, 1) },
    };
    const duplicates = await Promise.all(Array.from({ length: 5 }, () => hook(event)));
    expect(duplicates.map((d) => d.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');

    // Late and stale: an "initiated" event after the end, and the completed one again.
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/webhook`, { type: 'refund_initiated' });
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${rfd}/webhook`, {});
    await new Promise((r) => setTimeout(r, 500));
    const state = await refunds.get(refundId);
    expect(state.status).toBe('SUCCEEDED');
    expectEndedOnce(state);
    expect(stack.sandbox.ledger.list({ provider: 'getpaid', paymentId })).toHaveLength(1);
    // GetPaid was read once for each distinct event that found the refund waiting, not per copy.
    expect(state.attempts.filter((a) => a.step === 'poll').length).toBeLessThanOrEqual(3);
  });
});
