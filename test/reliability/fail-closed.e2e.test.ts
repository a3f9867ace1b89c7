import { NativeConnection, Worker } from '@temporalio/worker';

import { guardStateQuery, paymentGuardWorkflowId, refundWatchWorkflowId } from '../../src/contract';
import type { RefundState } from '../../src/refunds/state';
import { finalStatuses } from '../../src/refunds/status';
import { PAYMENTOPTIONS_SANDBOX_MID } from '../../src/providers/paymentoptions/sandbox';
import { recordHistory } from '../support/histories';
import { paymentAndRefund } from '../../harness/payments';
import { startTestStack, startUnservedGuard, stateWhen, unservedGuardQueue, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';
import { SECPAID_TOKEN_REFUSED } from '../../harness/sandbox-api';

/**
 * The fail-closed rules (src/refunds/decide/rules.ts) against the real dev server and sandbox, one
 * test per way the review found a refund failing open. Each asserts the provider's ledger: a refund
 * never ends FAILED, nor frees its reservation, while the provider may hold it; never adopts
 * another refund's outcome; and reports what moved.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const ledger = (provider: string, paymentId: string) => stack.sandbox.ledger.list({ provider, paymentId });
const reserved = async (provider: string, paymentId: string): Promise<Record<string, number>> =>
  (await stack.client.workflow.getHandle(paymentGuardWorkflowId(provider, paymentId)).query(guardStateQuery)).reserved;
/** The injected faults of a provider are used up: the odd answer was really given. */
const faultsMet = (provider: string) =>
  expect(stack.sandbox.faults.list().filter((f) => f.provider === provider)).toEqual([]);
const pendingAt = (status: 'PENDING_PROVIDER' | 'PENDING_REVIEW') => (s: RefundState) => s.status === status;

describe('1. an odd status read never ends an accepted refund', () => {
  it.each([404, 402, 400])('SandPay: a %s on the read of a PENDING refund is read again', async (status) => {
    const request = await paymentAndRefund(stack.api, 'sandpay', 600, 'odd-read', { refundOutcome: 'PENDING' });
    await stack.api.fault({ provider: 'sandpay', endpoint: 'payment', kind: 'read-error', status, times: 1 });
    await stack.refunds.start(request);
    const pending = await stateWhen(stack.refunds, request.refundId, pendingAt('PENDING_PROVIDER'), 'PENDING');
    await new Promise((r) => setTimeout(r, 300)); // the faulted read has happened
    expect(await reserved('sandpay', request.paymentId)).toEqual({ [request.refundId]: 600 });
    await stack.api.call('POST', `/_sandbox/sandpay/refunds/${pending.providerRefundId}/resolve`, {
      status: 'SUCCESS',
    });
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    expect(ledger('sandpay', request.paymentId).map((e) => e.amountMinor)).toEqual([600]);
    faultsMet('sandpay');
  });

  it.each([404, 409, 422])('GetPaid: a %s on GET /refunds/{id} is read again', async (status) => {
    const request = await paymentAndRefund(stack.api, 'getpaid', 700, 'odd-read');
    await stack.api.fault({ provider: 'getpaid', endpoint: 'get-refund', kind: 'read-error', status, times: 1 });
    await stack.refunds.start(request);
    const pending = await stateWhen(stack.refunds, request.refundId, pendingAt('PENDING_PROVIDER'), 'PENDING');
    await new Promise((r) => setTimeout(r, 300));
    await stack.api.call('POST', `/_sandbox/getpaid/refunds/${pending.providerRefundId}/complete`, {});
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    faultsMet('getpaid');
  });

  it.each([
    ['a 404', { status: 404 }],
    ['a 400', { status: 400 }],
    ['a 200 without response_code', { status: 200, body: { success: true, status_code: 200 } }],
  ])('PaymentOptions: %s on the status read is read again', async (_what, fault) => {
    const request = await paymentAndRefund(stack.api, 'paymentoptions', 800, 'odd-read', { refundResponseCode: 578 });
    await stack.api.fault({ provider: 'paymentoptions', endpoint: 'status', kind: 'read-error', times: 2, ...fault });
    await stack.refunds.start(request);
    const pending = await stateWhen(stack.refunds, request.refundId, pendingAt('PENDING_PROVIDER'), 'PENDING');
    await new Promise((r) => setTimeout(r, 300));
    expect((await stack.refunds.get(request.refundId)).status).toBe('PENDING_PROVIDER');
    await stack.api.call('POST', `/_sandbox/paymentoptions/refunds/${pending.providerRefundId}/settle`, {
      responseCode: 0,
    });
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    faultsMet('paymentoptions');
  });

  it('SecPaid: ResponseCode 0 on getPayInTransactions (a token rotated mid-review) asks a person and reading goes on', async () => {
    const request = await paymentAndRefund(stack.api, 'secpaid', 900, 'odd-read');
    await stack.refunds.start(request);
    await stateWhen(stack.refunds, request.refundId, pendingAt('PENDING_REVIEW'), 'PENDING_REVIEW');
    await stack.api.fault({
      provider: 'secpaid',
      endpoint: 'transactions',
      kind: 'read-error',
      status: 200,
      body: SECPAID_TOKEN_REFUSED,
      times: 4,
      // This refund's reads, not the reconciler's pages.
      match: { pay_id: request.paymentId },
    });
    // The approval's row wakes the refund (the reconciler), and its own reads of the link fail.
    await stack.api.call('POST', `/_sandbox/secpaid/refunds/${request.paymentId}/approve`, {});
    const asked = await stateWhen(stack.refunds, request.refundId, (s) => s.needsAttention, 'attention', 60_000);
    expect(asked).toMatchObject({ status: 'PENDING_REVIEW' });
    expect(asked.attentionReason).toMatch(/Incorrect token or missing token; reading goes on/);
    // Once reads work again the attention clears by itself, and the approval is seen.
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
    expect((await stack.refunds.get(request.refundId)).needsAttention).toBe(false);
    await recordHistory(stack.client, request.refundId, 'secpaid-reads-failing-then-approved');
  }, 90_000);

  it('SecPaid: a refund row whose amount cannot be read is never a failure', async () => {
    const request = await paymentAndRefund(stack.api, 'secpaid', 1000, 'odd-row');
    await stack.refunds.start(request);
    await stateWhen(stack.refunds, request.refundId, pendingAt('PENDING_REVIEW'), 'PENDING_REVIEW');
    const row = {
      pay_id: request.paymentId,
      transaction_id: '20261201-pi-0000000001',
      amount: '-ten euros',
      transaction_type: 'Refund',
      is_refund: 'true',
      created_at: '2099-01-01 00:00:00',
    };
    await stack.api.fault({
      provider: 'secpaid',
      endpoint: 'transactions',
      kind: 'read-error',
      status: 200,
      body: { ResponseCode: 1, ResponseMsg: 'ok', Result: 'True', ServerTime: 'CET', data: [row] },
    });
    const asked = await stateWhen(stack.refunds, request.refundId, (s) => s.needsAttention, 'attention', 60_000);
    expect(asked.status).toBe('PENDING_REVIEW');
    expect(asked.attentionReason).toMatch(/-ten euros/);
    await stack.api.call('DELETE', '/_sandbox/faults');
    await stack.api.call('POST', `/_sandbox/secpaid/refunds/${request.paymentId}/approve`, {});
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
  }, 90_000);
});

describe('2. "already done" after an uncertain attempt is never booked FAILED', () => {
  it.each(['openpayd', 'getpaid'] as const)(
    '%s: a 5xx after the refund committed is found by its reference, never resent',
    async (provider) => {
      const request = await paymentAndRefund(stack.api, provider, 1100, 'committed-5xx');
      await stack.api.fault({ provider, endpoint: 'refund', kind: 'commit-then-error', status: 503, times: 1 });
      await stack.refunds.start(request);
      if (provider === 'getpaid') {
        // Found by its reference, initiated: GetPaid completes it later.
        const found = await stateWhen(stack.refunds, request.refundId, pendingAt('PENDING_PROVIDER'), 'PENDING');
        await stack.api.call('POST', `/_sandbox/getpaid/refunds/${found.providerRefundId}/complete`, {});
      }
      const outcome = await stack.refunds.waitForOutcome(request.refundId);
      expect(outcome.status).toBe('SUCCEEDED');
      expect(ledger(provider, request.paymentId)).toHaveLength(1);
      expect(stack.sandbox.requestCount(provider, 'refund')).toBeGreaterThan(0);
      const state = await stack.refunds.get(request.refundId);
      expect(state.attempts.filter((a) => a.step === 'submit')).toHaveLength(1);
      await recordHistory(stack.client, request.refundId, `${provider}-committed-5xx-found-by-reference`);
    }
  );

  it('PaymentOptions: a 502 after the refund committed asks a person: never FAILED, never resent', async () => {
    const request = await paymentAndRefund(stack.api, 'paymentoptions', 1200, 'committed-5xx');
    await stack.api.fault({
      provider: 'paymentoptions',
      endpoint: 'refund',
      kind: 'commit-then-error',
      status: 502,
      times: 1,
    });
    await stack.refunds.start(request);
    const asked = await stateWhen(stack.refunds, request.refundId, (s) => s.needsAttention, 'attention');
    expect(asked.status).toBe('SUBMITTING');
    expect(asked.attempts.filter((a) => a.step === 'submit')).toHaveLength(1);
    expect(ledger('paymentoptions', request.paymentId)).toHaveLength(1);
    await stack.refunds.resolve(request.refundId, { outcome: 'SUCCEEDED', reason: 'seen in the portal', by: 'ops' });
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
  });

  it('SandPay: DUPLICATE_REFERENCE after an uncertain attempt asks a person instead of failing', async () => {
    const request = await paymentAndRefund(stack.api, 'sandpay', 1300, 'dup-ref', {
      refundOutcome: 'DUPLICATE_REFERENCE',
    });
    await stack.api.fault({ provider: 'sandpay', endpoint: 'refund', kind: 'http-error', status: 503, times: 1 });
    await stack.refunds.start(request);
    const asked = await stateWhen(stack.refunds, request.refundId, (s) => s.needsAttention, 'attention');
    expect(finalStatuses.has(asked.status)).toBe(false);
    expect(asked.attentionReason).toMatch(/DuplicateReference/);
  });

  it("SandPay: DUPLICATE_REFERENCE on a first attempt is someone else's: FAILED, adopting nothing", async () => {
    const request = await paymentAndRefund(stack.api, 'sandpay', 1300, 'dup-ref', {
      refundOutcome: 'DUPLICATE_REFERENCE',
    });
    await stack.refunds.start(request);
    const outcome = await stack.refunds.waitForOutcome(request.refundId);
    expect(outcome).toMatchObject({ status: 'FAILED', failure: { type: 'DuplicateReference' } });
    expect(outcome.refundedAmountMinor ?? null).toBeNull();
  });
});

describe("3. another refund's outcome is never adopted", () => {
  it('OpenPayd: a caller-supplied referenceNo names one refund only', async () => {
    const referenceNo = `ref-${Date.now()}`;
    const openpayd = async () => ({
      provider: 'openpayd' as const,
      refundId: uniqueRefundId('same-ref'),
      paymentId: await stack.api.openpaydPayment(1000),
      amount: { amountMinor: 1000, currency: 'EUR' },
      full: true,
      referenceNo,
    });
    const first = await openpayd();
    const second = await openpayd();
    await stack.refunds.start(first);
    expect((await stack.refunds.waitForOutcome(first.refundId)).status).toBe('SUCCEEDED');
    await stack.api.fault({ provider: 'openpayd', endpoint: 'refund', kind: 'http-error', status: 503, times: 1 });
    await stack.refunds.start(second);
    const outcome = await stack.refunds.waitForOutcome(second.refundId);
    expect(outcome).toMatchObject({ status: 'FAILED', failure: { type: 'ReferenceTaken' } });
    expect(ledger('openpayd', second.paymentId)).toHaveLength(0);
    await stack.api.call('DELETE', '/_sandbox/faults');
  });

  it("SecPaid: a second refund of a link is refused before SecPaid, never SUCCEEDED on the first one's payout", async () => {
    const first = await paymentAndRefund(stack.api, 'secpaid', 2000, 'one-link');
    await stack.refunds.start({ ...first, full: false, amount: { amountMinor: 1000, currency: 'EUR' } });
    await stateWhen(stack.refunds, first.refundId, pendingAt('PENDING_REVIEW'), 'PENDING_REVIEW');
    await stack.api.call('POST', `/_sandbox/secpaid/refunds/${first.paymentId}/approve`, {});
    expect((await stack.refunds.waitForOutcome(first.refundId)).status).toBe('SUCCEEDED');
    await stack.api.fault({ provider: 'secpaid', endpoint: 'refund', kind: 'http-error', status: 503, times: 1 });
    const second = {
      ...first,
      refundId: uniqueRefundId('one-link'),
      full: false,
      amount: { amountMinor: 1000, currency: 'EUR' },
    };
    await stack.refunds.start(second);
    const outcome = await stack.refunds.waitForOutcome(second.refundId);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.failure?.providerMessage).toMatch(/only one refund may hold/);
    expect(ledger('secpaid', first.paymentId).map((e) => e.amountMinor)).toEqual([1000]);
    await stack.api.call('DELETE', '/_sandbox/faults');
  });
});

describe('4. without an idempotency key, an unknown outcome is read over a horizon, never resent', () => {
  it('OpenPayd: a partial refund committed 7 s after the caller gave up is found, and refunded once', async () => {
    await stack.api.call('PUT', '/_sandbox/openpayd/account', { partialRefunds: true });
    try {
      const paymentId = await stack.api.openpaydPayment(3_000);
      await stack.api.fault({
        provider: 'openpayd',
        endpoint: 'refund',
        kind: 'commit-late',
        delayMs: 7_000,
        times: 1,
      });
      const refundId = uniqueRefundId('late');
      await stack.refunds.start({
        provider: 'openpayd',
        refundId,
        paymentId,
        amount: { amountMinor: 1_000, currency: 'EUR' },
      });
      expect((await stack.refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');
      await new Promise((r) => setTimeout(r, 500));
      expect(ledger('openpayd', paymentId).map((e) => e.amountMinor)).toEqual([1_000]);
      const state = await stack.refunds.get(refundId);
      expect(state.attempts.filter((a) => a.step === 'submit')).toHaveLength(1);
    } finally {
      await stack.api.call('PUT', '/_sandbox/openpayd/account', { partialRefunds: false });
    }
  }, 60_000);

  it.each([500, 502])('PaymentOptions: a %s to the refund call is never resent', async (status) => {
    const request = await paymentAndRefund(stack.api, 'paymentoptions', 1000, 'po-5xx');
    await stack.api.fault({ provider: 'paymentoptions', endpoint: 'refund', kind: 'http-error', status, times: 1 });
    await stack.refunds.start(request);
    const asked = await stateWhen(stack.refunds, request.refundId, (s) => s.needsAttention, 'attention');
    expect(asked.attempts.filter((a) => a.step === 'submit')).toHaveLength(1);
    expect(ledger('paymentoptions', request.paymentId)).toHaveLength(0);
  });
});

describe('6. operator and cancel races', () => {
  it("resolve FAILED while the provider holds the refund keeps its reservation and watches; the provider's later payment is committed", async () => {
    const request = await paymentAndRefund(stack.api, 'sandpay', 1000, 'op-failed', { refundOutcome: 'PENDING' });
    await stack.refunds.start(request);
    const pending = await stateWhen(stack.refunds, request.refundId, pendingAt('PENDING_PROVIDER'), 'PENDING');
    await stack.refunds.escalate(request.refundId, { reason: 'customer complains', by: 'ops' });
    await stack.refunds.resolve(request.refundId, { outcome: 'FAILED', reason: 'support says failed', by: 'ops' });
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('FAILED');
    expect(await reserved('sandpay', request.paymentId)).toEqual({ [request.refundId]: 1000 });
    // A new refund of the same money is refused: the reservation still holds it.
    const again = { ...request, refundId: uniqueRefundId('op-failed'), paymentAmount: request.amount };
    await stack.refunds.start(again);
    expect((await stack.refunds.waitForOutcome(again.refundId)).failure?.type).toBe('ExceedsRefundable');
    // SandPay pays after all: the watch commits it.
    await stack.api.call('POST', `/_sandbox/sandpay/refunds/${pending.providerRefundId}/resolve`, {
      status: 'SUCCESS',
    });
    const guard = stack.client.workflow.getHandle(paymentGuardWorkflowId('sandpay', request.paymentId));
    for (
      let i = 0;
      i < 100 && !((await guard.query(guardStateQuery)).committed[request.refundId] !== undefined);
      i += 1
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await guard.query(guardStateQuery)).committed).toEqual({ [request.refundId]: 1000 });
    const watch = stack.client.workflow.getHandle(refundWatchWorkflowId(request.refundId));
    expect(await watch.result()).toBe('refunded');
    expect((await watch.describe()).searchAttributes).toMatchObject({ NeedsAttention: [true] });
    await recordHistory(stack.client, request.refundId, 'sandpay-operator-failed-while-held');
  });

  it('a cancel accepted while the reservation is slow is honoured: nothing is sent, the reservation is freed', async () => {
    // With REFUND_SUBMIT_IN_TASK on, the same for OpenPayd: submit-in-task.e2e.
    const request = await paymentAndRefund(stack.api, 'sandpay', 900, 'cancel-race');
    // The payment's guard is slow: it runs where no worker serves it, until it is replaced.
    const slowGuard = await startUnservedGuard(stack, 'sandpay', request.paymentId);
    await stack.refunds.start(request);
    await new Promise((r) => setTimeout(r, 1_000));
    const answer = await stack.refunds.cancel(request.refundId, { reason: 'customer withdrew', by: 'ops' });
    expect(answer).toMatchObject({ accepted: true });
    // The guard's worker comes back.
    const connection = await NativeConnection.connect({ address: stack.config.temporal.address });
    const guardWorker = await Worker.create({
      connection,
      taskQueue: unservedGuardQueue(stack),
      workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE ?? '' },
    });
    const running = guardWorker.run();
    try {
      const outcome = await stack.refunds.waitForOutcome(request.refundId);
      expect(outcome.status).toBe('CANCELLED');
      expect(ledger('sandpay', request.paymentId)).toHaveLength(0);
      expect(await slowGuard.query(guardStateQuery)).toMatchObject({
        reserved: {},
        released: { [request.refundId]: 900 },
      });
    } finally {
      guardWorker.shutdown();
      await running;
      await connection.close();
    }
  }, 60_000);

  it('resolve is refused while a submission is in flight', async () => {
    const request = await paymentAndRefund(stack.api, 'sandpay', 500, 'in-flight');
    await stack.api.fault({ provider: 'sandpay', endpoint: 'refund', kind: 'slow', delayMs: 1_500, times: 1 });
    await stack.refunds.start(request);
    await stateWhen(stack.refunds, request.refundId, (s) => s.status === 'SUBMITTING', 'SUBMITTING');
    await stack.refunds.escalate(request.refundId, { reason: 'looks stuck', by: 'ops' });
    const answer = await stack.refunds.resolve(request.refundId, { outcome: 'FAILED', reason: 'x', by: 'ops' });
    expect(answer).toMatchObject({ accepted: false, note: expect.stringMatching(/submission is in flight/) });
    expect((await stack.refunds.waitForOutcome(request.refundId)).status).toBe('SUCCEEDED');
  });
});

describe('7. amounts', () => {
  it('SandPay: a full refund of what was left reports what moved, commits it and asks why', async () => {
    const request = await paymentAndRefund(stack.api, 'sandpay', 1000, 'what-left');
    const partial = {
      ...request,
      refundId: uniqueRefundId('what-left'),
      amount: { amountMinor: 400, currency: 'XOF' },
    };
    await stack.refunds.start(partial);
    expect((await stack.refunds.waitForOutcome(partial.refundId)).status).toBe('SUCCEEDED');
    await stack.refunds.start({ ...request, full: true });
    const outcome = await stack.refunds.waitForOutcome(request.refundId);
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', refundedAmountMinor: 600 });
    const state = await stack.refunds.get(request.refundId);
    expect(state.needsAttention).toBe(true);
    expect(state.attentionReason).toMatch(/refunded 600 XOF, not the 1000 XOF requested/);
    await recordHistory(stack.client, request.refundId, 'sandpay-refunded-what-was-left');
  });

  it('PaymentOptions on a major-unit account: "50.00" read back is 5,000 minor units, never 50', async () => {
    const major = await startTestStack({ env: { PAYMENTOPTIONS_AMOUNT_UNIT: 'major' } });
    try {
      const paymentId = await major.api.paymentoptionsPayment(10_000, {
        currency: 'USD',
        amountUnit: 'major',
        refundResponseCode: 578,
      });
      const refundId = uniqueRefundId('major');
      await major.refunds.start({
        provider: 'paymentoptions',
        refundId,
        paymentId,
        amount: { amountMinor: 5_000, currency: 'USD' },
        merchantId: PAYMENTOPTIONS_SANDBOX_MID,
      });
      const pending = await stateWhen(major.refunds, refundId, pendingAt('PENDING_PROVIDER'), 'PENDING');
      await major.api.call('POST', `/_sandbox/paymentoptions/refunds/${pending.providerRefundId}/settle`, {
        responseCode: 0,
      });
      const outcome = await major.refunds.waitForOutcome(refundId);
      expect(outcome).toMatchObject({ status: 'SUCCEEDED', refundedAmountMinor: 5_000 });
      expect((await major.refunds.get(refundId)).needsAttention).toBe(false);
      expect(major.sandbox.ledger.list({ provider: 'paymentoptions', paymentId }).map((e) => e.amountMinor)).toEqual([
        5_000,
      ]);
    } finally {
      await major.stop();
    }
  });

  it('SandPay: after a TIMEOUT the old transaction is read again before a new reference is sent', async () => {
    const request = await paymentAndRefund(stack.api, 'sandpay', 700, 'timeout', { refundOutcome: 'TIMEOUT' });
    await stack.refunds.start(request);
    const asked = await stateWhen(stack.refunds, request.refundId, (s) => s.needsAttention, 'attention');
    expect(asked.attentionReason).toMatch(/TIMEOUT/);
    await stateWhen(
      stack.refunds,
      request.refundId,
      (s) => s.attempts.length >= 3,
      'a re-read and a new submission',
      30_000
    );
    const state = await stack.refunds.get(request.refundId);
    expect(state.attempts.slice(0, 3).map((a) => [a.step, a.submission])).toEqual([
      ['submit', 1],
      ['poll', 1],
      ['submit', 2],
    ]);
  });
});
