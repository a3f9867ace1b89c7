import { randomUUID } from 'node:crypto';

import { createRefundPolicyActivities } from '../../src/activities/refund-policy';
import { createLogger } from '../../src/logger';
import { stillPending } from '../../src/providers/failures';
import { openpaydProfile } from '../../src/providers/openpayd/profile';
import { sandpayReference } from '../../src/providers/sandpay/activities';
import { statusFailure } from '../../src/providers/sandpay/outcome';
import { sandpayProfile } from '../../src/providers/sandpay/profile';
import { secpaidProfile } from '../../src/providers/secpaid/profile';
import { CONFIRM_HORIZON_MS } from '../../src/refunds/decide/profile';
import { refundWorkflowId } from '../../src/contract';
import { startFakeProviderStack } from '../../harness/fake-provider-worker';
import type { FakeProviderStack } from '../../harness/fake-provider-worker';
import { uniqueRefundId } from '../../harness/waits';
import { suiteLogDestination } from '../support/suite-log';

/**
 * The refund workflow's long paths at production time scale (the workers set no REFUND_TIME_SCALE),
 * on Temporal's time-skipping test server: the real workflow bundle, the real payment guard and
 * policy, and fake provider activities scripted per test, so days of a refund's life pass in
 * seconds and each test says exactly what the provider answers. What the provider adapters do
 * with real HTTP is the e2e tests' concern; here it is what the workflow does with their answers.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let stack: FakeProviderStack;

beforeAll(async () => {
  // As test/support/stack.ts's quietLogger: nothing on the console, everything in the suite's log
  // folder (scanned for secrets by the global teardown). Built here so that this file depends on
  // the logger alone, not on the sandbox stack.
  const logger = createLogger({
    level: process.env.TEST_LOG_LEVEL ?? 'debug',
    pretty: false,
    destination: suiteLogDestination('jest'),
  });
  stack = await startFakeProviderStack(logger, process.env.TEST_WORKFLOW_BUNDLE ?? '', {
    approvalThresholds: 'EUR:100000',
  });
}, 60_000);

afterAll(() => stack?.close());

/** Advances the test server's clock: every timer and retry due meanwhile fires, in order. */
const skip = (ms: number): Promise<void> => stack.env.sleep(ms);

/** Payment ids unique to each test, so each refund has a payment guard of its own. */
const hex = (): string => randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase();

/** Gaps between consecutive times. */
const gaps = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

it('approval deadline: a refund above the threshold waits for approve, asks a person at the deadline, keeps waiting and sends nothing', async () => {
  // The deadline the worker's policy gives (APPROVAL_DEADLINE_MS, else its default), not a copy of it.
  const { approvalDeadlineMs } = await createRefundPolicyActivities(stack.policy).refundPolicy({
    currency: 'EUR',
    requestedTimeScale: 1,
  });
  const refundId = uniqueRefundId('approval');
  const calls = stack.fakes.script(refundId, {
    submit: ({ input }) => ({
      kind: 'succeeded',
      providerRefundId: 'OP-APPROVED',
      amountMinor: input.request.amount.amountMinor,
    }),
    poll: () => {
      throw new Error('no read expected: the submission succeeds');
    },
  });
  await stack.refunds.start({
    provider: 'openpayd',
    refundId,
    paymentId: `OP-${hex()}`,
    amount: { amountMinor: 150_000, currency: 'EUR' },
  });

  // An hour short of the deadline nobody is asked yet: the refund runs at scale 1, or it would be.
  await skip(approvalDeadlineMs - HOUR);
  expect(await stack.refunds.get(refundId)).toMatchObject({ status: 'AWAITING_APPROVAL', needsAttention: false });

  await skip(2 * HOUR);
  expect(await stack.refunds.get(refundId)).toMatchObject({
    status: 'AWAITING_APPROVAL',
    needsAttention: true,
    attentionReason: 'approval deadline passed: approve or cancel the refund',
  });
  // The deadline asks a person; it neither approves nor cancels: days later the refund still waits.
  await skip(3 * DAY);
  expect(await stack.refunds.get(refundId)).toMatchObject({ status: 'AWAITING_APPROVAL', needsAttention: true });
  expect(calls.submits).toHaveLength(0);

  // The approve that comes late still lets it go on, once.
  expect(await stack.refunds.approve(refundId, { reason: 'checked with the merchant', by: 'ops' })).toMatchObject({
    accepted: true,
  });
  expect(await stack.refunds.waitForOutcome(refundId)).toMatchObject({
    status: 'SUCCEEDED',
    providerRefundId: 'OP-APPROVED',
  });
  expect(calls.submits).toHaveLength(1);
  expect(await stack.refunds.get(refundId)).toMatchObject({ status: 'SUCCEEDED', needsAttention: false });
});

it('SecPaid review SLA, reconciled: its own read once a week, a person asked at 14 days, then reads once a week until the refund appears', async () => {
  const refundId = uniqueRefundId('review');
  let approvedByAdmin = false;
  const calls = stack.fakes.script(refundId, {
    // SecPaid's ResponseCode 1: the request is in review, with no refund id yet.
    submit: () => ({ kind: 'pending', providerRefundId: null }),
    poll: ({ input }) => {
      if (approvedByAdmin) {
        return { kind: 'succeeded', providerRefundId: 'SP-ROW-1', amountMinor: input.request.amount.amountMinor };
      }
      if (input.reportHealthy) return { kind: 'healthy' };
      // As the adapter: no refund row yet, read again at the cadence the workflow asked for.
      throw stillPending('SecPaid', 'refund still in review', { intervalMs: input.intervalMs, jitter: input.jitter });
    },
  });
  await stack.refunds.start({
    provider: 'secpaid',
    refundId,
    paymentId: String(1_000_000 + Math.floor(Math.random() * 9_000_000)),
    amount: { amountMinor: 4_999, currency: 'EUR' },
  });
  const fallbackMs = secpaidProfile.reconciled!.fallbackIntervalMs;

  // No reconciler runs here, so nothing wakes the refund: it reads its own link once, at about 7 days.
  await skip(13 * DAY);
  expect(await stack.refunds.get(refundId)).toMatchObject({ status: 'PENDING_REVIEW', needsAttention: false });
  const byDay13 = calls.polls.length;
  expect(byDay13).toBeGreaterThanOrEqual(1);
  expect(byDay13).toBeLessThanOrEqual(2);
  // (The week is spread ± 10 % by refund.)
  expect(calls.polls[0]!.atMs - calls.submits[0]!.atMs).toBeGreaterThanOrEqual(0.9 * fallbackMs - HOUR);
  expect(calls.polls.every((p) => p.input.intervalMs === fallbackMs)).toBe(true);

  // The SLA counts from the start of the review, not from the first read: at 14 days a person is asked.
  await skip(DAY + HOUR);
  const atSla = await stack.refunds.get(refundId);
  expect(atSla).toMatchObject({
    status: 'PENDING_REVIEW',
    needsAttention: true,
    attentionReason: secpaidProfile.poll.deadlineReason,
  });
  expect(atSla.attempts.some((a) => a.step === 'poll' && a.outcome === 'deadline')).toBe(true);

  // At the SLA a read at once, then one a week (± 10 %): none in the next five days.
  const polledBySla = calls.polls.length;
  expect(polledBySla).toBeGreaterThan(byDay13);
  await skip(5 * DAY);
  expect(calls.polls.length).toBe(polledBySla);

  approvedByAdmin = true;
  expect(await stack.refunds.waitForOutcome(refundId)).toMatchObject({
    status: 'SUCCEEDED',
    providerRefundId: 'SP-ROW-1',
  });
  expect(await stack.refunds.get(refundId)).toMatchObject({ status: 'SUCCEEDED', needsAttention: false });
  expect(calls.submits).toHaveLength(1);
});

it('SandPay retry-later: INSUFFICIENT_FUNDS on submission 1, a recheck after the profile delay, then submission 2 with a new reference succeeds', async () => {
  const retryLater = sandpayProfile.retryLater!;
  const refundId = uniqueRefundId('float');
  const calls = stack.fakes.script(refundId, {
    submit: ({ input, attempt }) => {
      // The merchant float is empty for the first submission: SandPay's INSUFFICIENT_FUNDS status,
      // thrown as the adapter throws it (its statusFailure, scope `refund`, the transaction named).
      if (input.submission === 1) {
        throw statusFailure('INSUFFICIENT_FUNDS', 'TX_R1', { afterEarlierAttempt: attempt > 1 });
      }
      return { kind: 'succeeded', providerRefundId: 'TX_R2', amountMinor: input.request.amount.amountMinor };
    },
    poll: ({ input }) => {
      // The last read of the first transaction before a new one replaces it: still INSUFFICIENT_FUNDS,
      // as the adapter's status read reports it.
      if (input.mode === 'recheck' && input.providerRefundId === 'TX_R1')
        throw statusFailure('INSUFFICIENT_FUNDS', 'TX_R1');
      throw new Error(`unexpected ${input.mode ?? 'watch'} read of ${input.providerRefundId}`);
    },
  });
  await stack.refunds.start({
    provider: 'sandpay',
    refundId,
    paymentId: `TX_${hex()}`,
    amount: { amountMinor: 5_000, currency: 'XOF' },
  });

  // Inside the delay: a person is asked to top up the float, and nothing more is sent yet.
  await skip(retryLater.delayMs - 5 * MINUTE);
  const waiting = await stack.refunds.get(refundId);
  expect(waiting).toMatchObject({ status: 'SUBMITTING', needsAttention: true });
  expect(waiting.attentionReason).toContain('InsufficientMerchantFunds');
  expect(calls.submits).toHaveLength(1);

  expect(await stack.refunds.waitForOutcome(refundId)).toMatchObject({
    status: 'SUCCEEDED',
    providerRefundId: 'TX_R2',
  });
  expect(calls.submits.map((s) => s.input.submission)).toEqual([1, 2]);
  // Each submission is a new SandPay refund: the adapter derives its reference from the number.
  const [first, second] = calls.submits.map((s) => sandpayReference(refundWorkflowId(refundId), s.input.submission));
  expect(first).not.toBe(second);
  // The second comes after the profile's delay, with the recheck of the first just before it.
  const [sent1, sent2] = calls.submits.map((s) => s.atMs);
  expect(sent2! - sent1!).toBeGreaterThanOrEqual(retryLater.delayMs);
  expect(sent2! - sent1!).toBeLessThan(retryLater.delayMs + MINUTE);
  expect(calls.polls.map((p) => [p.input.mode, p.input.providerRefundId])).toEqual([['recheck', 'TX_R1']]);
  expect(await stack.refunds.get(refundId)).toMatchObject({ status: 'SUCCEEDED', needsAttention: false });
});

it('OpenPayd lost answer: looks for the refund at +1, +5 and +30 min, then asks a person, keeps looking and never resends', async () => {
  const horizon = openpaydProfile.confirmHorizonMs ?? CONFIRM_HORIZON_MS;
  const refundId = uniqueRefundId('lost');
  let foundByHand = false;
  const calls = stack.fakes.script(refundId, {
    // A plain, retryable error (a reset connection): whether OpenPayd took the refund is unknown.
    submit: () => {
      throw new Error('socket hang up');
    },
    poll: ({ input }) => {
      if (input.mode !== 'find') throw new Error(`unexpected ${input.mode ?? 'watch'} read`);
      if (foundByHand) {
        return { kind: 'succeeded', providerRefundId: 'OP-FOUND', amountMinor: input.request.amount.amountMinor };
      }
      // As the adapter: one answer per look within the horizon, retried at the cadence past it.
      if (input.retryNotFound) {
        throw stillPending('OpenPayd', 'no refund found yet', { intervalMs: input.intervalMs, jitter: input.jitter });
      }
      return { kind: 'not-found' };
    },
  });
  await stack.refunds.start({
    provider: 'openpayd',
    refundId,
    paymentId: `OP-${hex()}`,
    amount: { amountMinor: 5_000, currency: 'EUR' },
  });

  // Two looks in, nobody is asked yet: the horizon is not over.
  await skip(30 * MINUTE);
  expect(await stack.refunds.get(refundId)).toMatchObject({ status: 'SUBMITTING', needsAttention: false });
  expect(calls.polls).toHaveLength(2);

  await skip(10 * MINUTE);
  const asked = await stack.refunds.get(refundId);
  expect(asked).toMatchObject({ status: 'SUBMITTING', needsAttention: true });
  expect(asked.attentionReason).toContain('no record of the refund at the provider after the last look');
  const looks = calls.polls.filter((p) => p.input.retryNotFound !== true);
  expect(looks).toHaveLength(horizon.length);
  // Each look comes its horizon step after the one before (the first, after the lost submission).
  const steps = gaps([calls.submits[0]!.atMs, ...looks.map((p) => p.atMs)]);
  steps.forEach((step, i) => {
    expect(step).toBeGreaterThanOrEqual(horizon[i]!);
    expect(step).toBeLessThan(horizon[i]! + MINUTE);
  });

  // A day later: still one submission; the looks went on at the slow cadence meanwhile.
  await skip(DAY);
  expect(calls.submits).toHaveLength(1);
  const slowLooks = calls.polls.slice(looks.length);
  expect(slowLooks.length).toBeGreaterThan(DAY / openpaydProfile.poll.slowIntervalMs / 2);
  expect(slowLooks.every((p) => p.input.retryNotFound === true)).toBe(true);
  expect(await stack.refunds.get(refundId)).toMatchObject({ status: 'SUBMITTING', needsAttention: true });

  // The refund shows up at OpenPayd after all: the next look adopts it, still without a resend.
  foundByHand = true;
  expect(await stack.refunds.waitForOutcome(refundId)).toMatchObject({
    status: 'SUCCEEDED',
    providerRefundId: 'OP-FOUND',
  });
  expect(calls.submits).toHaveLength(1);
});
