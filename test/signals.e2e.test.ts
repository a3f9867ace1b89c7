import { execFile } from 'node:child_process';

import { temporal } from '@temporalio/proto';

import type { RefundsClient } from '../src/client';
import { findTemporalCli } from '../src/dev/temporal-cli';
import type { RefundRequestInput } from '../src/providers';

import { recordHistory } from './support/histories';
import { startTestStack, stateWhen, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

let stack: TestStack;
let gated: RefundsClient;
beforeAll(async () => {
  // The worker's setting: refunds above €100.00 wait for approval; the deadline is 24 h, scaled down.
  stack = await startTestStack({ env: { APPROVAL_THRESHOLDS: 'EUR:10000' } });
  // A plain client: it cannot choose (or skip) the approval threshold.
  gated = stack.refunds;
  await stack.api.call('PUT', '/_sandbox/openpayd/account', { partialRefunds: true });
});
afterAll(() => stack?.stop());

/** Partial by default: a full refund (of whatever is left) waits for approval wherever EUR has a threshold. */
async function openpaydRefund(amountMinor: number, full = false): Promise<RefundRequestInput> {
  const paymentId = await stack.api.openpaydPayment(amountMinor);
  return {
    provider: 'openpayd',
    refundId: uniqueRefundId('sig'),
    paymentId,
    amount: { amountMinor, currency: 'EUR' },
    full,
  };
}
const ops = (reason: string) => ({ reason, by: 'alice@ops' });

describe('approval gate and operator signals', () => {
  it('does not gate a partial refund under the threshold', async () => {
    const req = await openpaydRefund(10_000);
    await gated.start(req);
    expect((await gated.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    expect((await gated.get(req.refundId)).transitions.map((t) => t.to)).not.toContain('AWAITING_APPROVAL');
  });

  it('gates a full refund of what is left, whatever amount it states: OpenPayd refunds the whole payment', async () => {
    // The attack: €5,000 paid, a full refund stated as €1.00, under the threshold.
    const paymentId = await stack.api.openpaydPayment(500_000);
    const refundId = uniqueRefundId('sig-full');
    await gated.start({
      provider: 'openpayd',
      refundId,
      paymentId,
      amount: { amountMinor: 100, currency: 'EUR' },
      full: true,
    });
    const waiting = await stateWhen(gated, refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    expect(waiting.transitions.at(-1)?.cause).toMatch(/full refund: openpayd refunds whatever is left/);
    expect(await stack.api.ledger('openpayd', paymentId)).toHaveLength(0);
    await gated.approve(refundId, ops('checked the payment'));
    const outcome = await gated.waitForOutcome(refundId);
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', refundedAmountMinor: 500_000 });
    // What moved is what the state, the search attribute and a person see.
    const state = await gated.get(refundId);
    expect(state).toMatchObject({ refundedAmountMinor: 500_000, needsAttention: true });
    expect(state.attentionReason).toMatch(/openpayd refunded 5000.00 EUR, not the 1.00 EUR requested/);
    const described = await stack.client.workflow.getHandle(`refund-${refundId}`).describe();
    expect(described.searchAttributes.RefundAmount).toEqual([500_000]);
  });

  it('holds a refund above the threshold in AWAITING_APPROVAL until approve, recording who approved', async () => {
    const req = await openpaydRefund(25_000);
    await gated.start(req);
    await stateWhen(gated, req.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    expect(await stack.api.ledger('openpayd', req.paymentId)).toHaveLength(0);
    await gated.approve(req.refundId, ops('customer complaint #77'));
    expect((await gated.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    const state = await gated.get(req.refundId);
    expect(state.transitions.find((t) => t.to === 'SUBMITTING')).toMatchObject({
      by: 'alice@ops',
      cause: expect.stringContaining('customer complaint #77'),
    });
    expect(state.actions).toEqual([expect.objectContaining({ signal: 'approve', by: 'alice@ops', accepted: true })]);
    await recordHistory(stack.client, req.refundId, 'openpayd-approved-above-threshold');
  });

  it('cancels in AWAITING_APPROVAL with no provider call', async () => {
    const req = await openpaydRefund(30_000);
    await gated.start(req);
    await stateWhen(gated, req.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    await gated.cancel(req.refundId, ops('duplicate request'));
    expect((await gated.waitForOutcome(req.refundId)).status).toBe('CANCELLED');
    const state = await gated.get(req.refundId);
    expect(state.attempts).toHaveLength(0);
    expect(state.transitions.at(-1)).toMatchObject({ to: 'CANCELLED', by: 'alice@ops' });
    expect(await stack.api.ledger('openpayd', req.paymentId)).toHaveLength(0);
    await recordHistory(stack.client, req.refundId, 'openpayd-cancelled-awaiting-approval');
  });

  it('escalates when the approval deadline passes, and still takes approve', async () => {
    // The deadline is the worker's setting too: a worker of its own with 500 ms at this time scale.
    const hurriedStack = await startTestStack({
      env: { APPROVAL_THRESHOLDS: 'EUR:10000', APPROVAL_DEADLINE_MS: '5000000' },
    });
    const hurried = hurriedStack.refunds;
    try {
      const req: RefundRequestInput = {
        provider: 'openpayd',
        refundId: uniqueRefundId('sig'),
        paymentId: await hurriedStack.api.openpaydPayment(40_000),
        amount: { amountMinor: 40_000, currency: 'EUR' },
        full: true,
      };
      await hurried.start(req);
      const late = await stateWhen(hurried, req.refundId, (s) => s.needsAttention, 'NeedsAttention after the deadline');
      expect(late).toMatchObject({
        status: 'AWAITING_APPROVAL',
        attentionReason: expect.stringMatching(/approval deadline/),
      });
      await hurried.approve(req.refundId, ops('approved late'));
      expect((await hurried.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
      expect((await hurried.get(req.refundId)).needsAttention).toBe(false);
      await recordHistory(stack.client, req.refundId, 'openpayd-approval-deadline-escalated');
    } finally {
      await hurriedStack.stop();
    }
  });

  it('refuses cancel once the provider has the refund, records who asked, and the refund goes on', async () => {
    const paymentId = await stack.api.sandpayCollection(700, { refundOutcome: 'PENDING' });
    const refundId = uniqueRefundId('sig');
    await stack.refunds.start({
      provider: 'sandpay',
      refundId,
      paymentId,
      amount: { amountMinor: 700, currency: 'XOF' },
    });
    const pending = await stateWhen(
      stack.refunds,
      refundId,
      (s) => s.status === 'PENDING_PROVIDER',
      'PENDING_PROVIDER'
    );
    const handle = stack.client.workflow.getHandle(`refund-${refundId}`);
    // As updates (the client's way): refused by their validators, with the reason, before history.
    const answers = [
      await stack.refunds.cancel(refundId, ops('customer changed their mind')),
      await stack.refunds.approve(refundId, ops('nothing to approve')),
      await stack.refunds.resolve(refundId, { ...ops('not needed'), outcome: 'FAILED' }),
    ];
    expect(answers).toEqual([
      { accepted: false, note: expect.stringMatching(/cannot recall/), status: 'PENDING_PROVIDER' },
      { accepted: false, note: 'nothing to approve: the refund is PENDING_PROVIDER', status: 'PENDING_PROVIDER' },
      { accepted: false, note: expect.stringMatching(/nothing to resolve/), status: 'PENDING_PROVIDER' },
    ]);
    // Nothing of them in history (its reads' timers may add events meanwhile: not counted).
    const updateEvents = (await handle.fetchHistory()).events?.filter((e) =>
      /UPDATE/.test(String(temporal.api.enums.v1.EventType[e.eventType ?? 0]))
    );
    expect(updateEvents).toEqual([]);
    // As signals (the UI's and `temporal workflow signal`'s way): in history anyway, so recorded.
    await handle.signal('cancel', ops('customer changed their mind'));
    const after = await stateWhen(stack.refunds, refundId, (s) => s.actions.length === 1, 'the recorded signal');
    expect(after.status).toBe('PENDING_PROVIDER');
    expect(after.actions.map((a) => [a.signal, a.accepted])).toEqual([['cancel', false]]);
    expect(after.actions[0]?.note).toMatch(/cannot recall/);
    await stack.api.call('POST', `/_sandbox/sandpay/refunds/${pending.providerRefundId ?? ''}/resolve`, {
      status: 'SUCCESS',
    });
    expect((await stack.refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');
    await recordHistory(stack.client, refundId, 'sandpay-cancel-refused-while-pending');
  });

  it("escalate raises NeedsAttention with reason and actor; resolve then ends the refund with the operator's outcome", async () => {
    const paymentId = await stack.api.sandpayCollection(900, { refundOutcome: 'PENDING' });
    const refundId = uniqueRefundId('sig');
    await stack.refunds.start({
      provider: 'sandpay',
      refundId,
      paymentId,
      amount: { amountMinor: 900, currency: 'XOF' },
    });
    await stateWhen(stack.refunds, refundId, (s) => s.status === 'PENDING_PROVIDER', 'PENDING_PROVIDER');
    await stack.refunds.escalate(refundId, ops('customer says the money arrived'));
    const escalated = await stateWhen(stack.refunds, refundId, (s) => s.needsAttention, 'NeedsAttention');
    expect(escalated.attentionReason).toBe('escalated by alice@ops: customer says the money arrived');
    await stack.refunds.resolve(refundId, { ...ops('confirmed with SandPay support'), outcome: 'SUCCEEDED' });
    expect((await stack.refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');
    const state = await stack.refunds.get(refundId);
    expect(state.needsAttention).toBe(false);
    expect(state.transitions.at(-1)).toMatchObject({ to: 'SUCCEEDED', by: 'alice@ops' });
    await recordHistory(stack.client, refundId, 'sandpay-escalated-resolved');
    // A refund that has ended takes no action: the answer says so, with its final status.
    await expect(stack.refunds.escalate(refundId, ops('too late'))).resolves.toEqual({
      accepted: false,
      note: 'the refund has already ended: SUCCEEDED',
      status: 'SUCCEEDED',
    });
  });

  it('takes a signal with exactly the contract JSON, as the Temporal UI sends it, and ignores a malformed one', async () => {
    const req = await openpaydRefund(50_000);
    await gated.start(req);
    await stateWhen(gated, req.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    const handle = stack.client.workflow.getHandle(`refund-${req.refundId}`);
    await handle.signal('approve', { by: '' });
    await handle.signal('approve', { reason: 'ok', by: 'bob' });
    expect((await gated.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    expect((await gated.get(req.refundId)).actions.map((a) => [a.by, a.accepted])).toEqual([
      ['unknown', false],
      ['bob', true],
    ]);
  });

  it('records a signal it does not take (a misspelled "aprove") as refused, once per name in a row and 10 at most', async () => {
    const req = await openpaydRefund(50_000);
    await gated.start(req);
    await stateWhen(gated, req.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    const handle = stack.client.workflow.getHandle(`refund-${req.refundId}`);
    await handle.signal('aprove', { reason: 'ok', by: 'bob' });
    const state = await stateWhen(gated, req.refundId, (s) => s.actions.length > 0, 'the refused signal recorded');
    expect(state.status).toBe('AWAITING_APPROVAL');
    expect(state.actions).toEqual([
      expect.objectContaining({
        signal: 'aprove',
        by: 'bob',
        accepted: false,
        note: expect.stringMatching(/no signal named "aprove"/),
      }),
    ]);
    // A flood of them cannot push the real actions out of the record.
    await handle.signal('aprove', { reason: 'again', by: 'bob' });
    for (let i = 0; i < 30; i += 1) await handle.signal(`junk-${i}`, {});
    await gated.approve(req.refundId, ops('checked'));
    const after = await gated.get(req.refundId);
    expect(after.actions.filter((a) => !['approve', 'cancel', 'escalate', 'resolve'].includes(a.signal))).toHaveLength(
      10
    );
    expect(after.actions.at(-1)).toMatchObject({ signal: 'approve', accepted: true });
    expect((await gated.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
  });

  it('answers a refused update through the temporal CLI with its reason, and a taken one with its result', async () => {
    const req = await openpaydRefund(50_000);
    await gated.start(req);
    await stateWhen(gated, req.refundId, (s) => s.status === 'AWAITING_APPROVAL', 'AWAITING_APPROVAL');
    // Asynchronously: this process runs the worker that must answer the update.
    const cli = (name: string, input: object): Promise<{ status: number; out: string }> =>
      new Promise((resolve) => {
        const args = ['workflow', 'update', 'execute', '--address', stack.config.temporal.address];
        args.push('--workflow-id', `refund-${req.refundId}`, '--name', name, '--input', JSON.stringify(input));
        execFile(findTemporalCli()!.path, args, { timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ status: err ? Number(err.code ?? 1) : 0, out: `${stdout}${stderr}` })
        );
      });
    // An update of a name the refund does not take is refused too, before any history.
    const misspelled = await cli('aprove', { reason: 'checked', by: 'bob' });
    expect(misspelled.status).not.toBe(0);
    expect(misspelled.out).toMatch(/aprove/);
    const refused = await cli('resolve', { outcome: 'FAILED', reason: 'wrong', by: 'bob' });
    expect(refused.status).not.toBe(0);
    expect(refused.out).toMatch(/nothing to resolve yet: the refund is AWAITING_APPROVAL.*type: ActionRefused/);
    const taken = await cli('approve', { reason: 'checked', by: 'bob' });
    expect(taken).toEqual({ status: 0, out: expect.stringMatching(/accepted:true/) });
    expect((await gated.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
  });
});

describe('OpenPayd: unknown outcomes settled by a status read, never by a blind resend', () => {
  it('a committed refund whose answer was lost is found by referenceNo: one refund', async () => {
    const req = await openpaydRefund(1200);
    await stack.api.fault({ provider: 'openpayd', endpoint: 'refund', kind: 'commit-then-drop', times: 1 });
    await stack.refunds.start(req);
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('SUCCEEDED');
    expect(await stack.api.ledger('openpayd', req.paymentId)).toHaveLength(1);
    await recordHistory(stack.client, req.refundId, 'openpayd-lost-answer-found-by-status');
  });

  it('a reset whose refund is not found is never sent again: looked for over the horizon, then a person', async () => {
    const req = await openpaydRefund(1300);
    await stack.api.fault({ provider: 'openpayd', endpoint: 'refund', kind: 'reset', times: 1 });
    await stack.api.fault({ provider: 'openpayd', endpoint: 'status', kind: 'http-error', status: 500, times: 1 });
    await stack.refunds.start(req);
    const stuck = await stateWhen(stack.refunds, req.refundId, (s) => s.needsAttention, 'NeedsAttention');
    expect(stuck.attentionReason).toMatch(/no record of the refund at the provider after the last look/);
    expect(stuck.status).toBe('SUBMITTING');
    // Three looks (+1, +5, +30 min), one of them failed, and not a single resend.
    expect(stack.sandbox.requestCount('openpayd', 'refund')).toBeGreaterThan(0);
    expect(stuck.attempts.filter((a) => a.step === 'submit')).toHaveLength(1);
    expect(await stack.api.ledger('openpayd', req.paymentId)).toHaveLength(0);
    await stack.refunds.resolve(req.refundId, {
      outcome: 'FAILED',
      reason: 'OpenPayd support: never arrived',
      by: 'ops',
    });
    expect((await stack.refunds.waitForOutcome(req.refundId)).status).toBe('FAILED');
  });

  it("a wrong API key ends in a decline that moved nothing and names OpenPayd's code, never the key", async () => {
    const bad = await startTestStack({ env: { OPENPAYD_API_KEY: 'wrong-key' } });
    try {
      const paymentId = await bad.api.openpaydPayment(500);
      const refundId = uniqueRefundId('sig');
      await bad.refunds.start({
        provider: 'openpayd',
        refundId,
        paymentId,
        amount: { amountMinor: 500, currency: 'EUR' },
        full: true,
      });
      // OpenPayd documents no code for a wrong key: its DECLINED answer to the first request is a
      // decline of that request, and nothing had been sent before it.
      expect((await bad.refunds.waitForOutcome(refundId)).status).toBe('FAILED');
      const state = await bad.refunds.get(refundId);
      expect(state.failure).toMatchObject({ type: 'RefundDeclined' });
      expect(state.failure?.providerCode).toBeDefined();
      expect(JSON.stringify(state)).not.toContain('wrong-key');
      expect(await bad.api.ledger('openpayd', paymentId)).toHaveLength(0);
    } finally {
      await bad.stop();
    }
  });
});
