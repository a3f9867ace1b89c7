import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import type { RefundSummary } from '../src/client';

import { eventually, startTestStack, stateWhen, temporalAddress, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

const run = promisify(execFile);
const bin = path.join(__dirname, '..', 'bin', 'refunds.js');

let stack: TestStack;
beforeAll(async () => {
  // XOF refunds above 1000 wait for approval: something for the CLI to act on (EUR has no threshold).
  stack = await startTestStack({ env: { APPROVAL_THRESHOLDS: 'XOF:1000' } });
});
afterAll(() => stack?.stop());

/** `npx refunds …` against the test server; resolves with exit code and output, never throws. */
async function refunds(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_TASK_QUEUE: stack.taskQueue,
        LOG_LEVEL: 'error',
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('refunds CLI against the real stack', () => {
  it('starts, watches, gets and lists a refund; answers actions with their verdict', async () => {
    const paymentId = await stack.api.openpaydPayment(1234);
    const refundId = uniqueRefundId('cli');
    const body = JSON.stringify({
      provider: 'openpayd',
      refundId,
      paymentId,
      amount: { amountMinor: 1234, currency: 'EUR' },
      full: true,
    });

    const started = await refunds('start', '--body', body, '--json');
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ workflowId: `refund-${refundId}`, created: true });

    const watched = await refunds('watch', refundId, '--interval', '100');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/SUBMITTING → SUCCEEDED\s+by openpayd/);

    const got = await refunds('get', refundId);
    expect(got.stdout).toMatch(new RegExp(`${refundId}\\s+SUCCEEDED`));
    expect(JSON.parse((await refunds('get', refundId, '--json')).stdout)).toMatchObject({
      status: 'SUCCEEDED',
      paymentId,
    });

    const listed = await refunds('list', '--payment', paymentId);
    expect(listed.stdout.split('\n')[0]).toMatch(/^REFUNDID\s+STATUS\s+PROVIDER/);

    const refused = await refunds('approve', refundId, '--reason', 'late', '--by', 'ops');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/REFUSED: the refund has already ended: SUCCEEDED \(status now SUCCEEDED\)/);
  });

  it('records the CLI as requestedBy and the OS user as initiatedBy, shows amounts in major units, and prints the status after an action', async () => {
    const paymentId = await stack.api.sandpayCollection(1500);
    const refundId = uniqueRefundId('cli-by');
    const body = { provider: 'sandpay', refundId, paymentId, amount: { amountMinor: 1500, currency: 'XOF' } };
    expect((await refunds('start', '--body', JSON.stringify(body))).code).toBe(0);
    const waiting = await stateWhen(stack.refunds, refundId, (s) => s.status === 'AWAITING_APPROVAL', 'approval');
    expect(waiting).toMatchObject({ requestedBy: 'cli', initiatedBy: expect.stringContaining(userInfo().username) });
    expect(waiting.transitions[0]).toMatchObject({ to: 'RECEIVED', by: 'cli' });

    // A body that names its requester keeps it.
    const named = { ...body, refundId: uniqueRefundId('cli-named'), requestedBy: 'billing-service' };
    expect((await refunds('start', '--body', JSON.stringify(named))).code).toBe(0);
    expect((await stack.refunds.get(named.refundId)).requestedBy).toBe('billing-service');

    // People read major units with the currency's own digits (XOF has none); JSON keeps minor units.
    expect((await refunds('get', refundId)).stdout).toMatch(/sandpay refund of 1500 XOF, payment /);
    const handle = stack.client.workflow.getHandle(`refund-${refundId}`);
    expect(await (await handle.describe()).staticSummary()).toBe(`sandpay refund of 1500 XOF for payment ${paymentId}`);
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(/sandpay refund of 1500 XOF for payment/);
    const listed = await eventually(async () => {
      const out = await refunds('list', '--payment', paymentId);
      return out.stdout.includes(refundId) ? out.stdout : undefined;
    }, 'the refund listed');
    expect(listed).toMatch(new RegExp(`${refundId}\\s+AWAITING_APPROVAL\\s+sandpay\\s+${paymentId}\\s+1500 XOF\\s`));
    const listedJson = JSON.parse((await refunds('list', '--payment', paymentId, '--json')).stdout) as RefundSummary[];
    expect(listedJson.find((r) => r.refundId === refundId)).toMatchObject({ amountMinor: 1500, currency: 'XOF' });

    // The update answers with the status when it was taken (AWAITING_APPROVAL); the CLI reads it again.
    const cancelled = await refunds('cancel', refundId, '--reason', 'customer kept the goods', '--by', 'ops');
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/^accepted: cancelled before reaching the provider \(status now CANCELLED\)$/m);
    const again = await refunds('approve', refundId, '--reason', 'late', '--by', 'ops', '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: false, status: 'CANCELLED' });
    await refunds('cancel', named.refundId, '--reason', 'test done', '--by', 'ops');
  });

  it('lists refunds stuck for longer than --stuck: still running and started before now minus the duration', async () => {
    const paymentId = await stack.api.sandpayCollection(3000);
    const waitingId = uniqueRefundId('stuck-waiting');
    const endedId = uniqueRefundId('stuck-ended');
    const body = (refundId: string) =>
      JSON.stringify({ provider: 'sandpay', refundId, paymentId, amount: { amountMinor: 1500, currency: 'XOF' } });
    expect((await refunds('start', '--body', body(waitingId))).code).toBe(0);
    expect((await refunds('start', '--body', body(endedId))).code).toBe(0);
    await stateWhen(stack.refunds, waitingId, (s) => s.status === 'AWAITING_APPROVAL', 'approval');
    await stateWhen(stack.refunds, endedId, (s) => s.status === 'AWAITING_APPROVAL', 'approval');
    expect((await refunds('cancel', endedId, '--reason', 'ended', '--by', 'ops')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 2500));

    const ids = async (...args: string[]): Promise<string[]> => {
      const out = await refunds('list', '--payment', paymentId, '--json', ...args);
      expect(out.code).toBe(0);
      return (JSON.parse(out.stdout) as RefundSummary[]).map((r) => r.refundId).sort();
    };
    // Both are in visibility, the cancelled one closed.
    await eventually(async () => {
      const out = await refunds('list', '--payment', paymentId, '--json');
      const found = JSON.parse(out.stdout) as RefundSummary[];
      return found.length === 2 && found.some((r) => r.refundId === endedId && r.closedAt !== null) ? true : undefined;
    }, 'both refunds listed, one closed');
    expect(await ids()).toEqual([endedId, waitingId].sort());
    // Started more than 2 s ago and still running: only the one waiting for approval.
    expect(await ids('--stuck', '2s')).toEqual([waitingId]);
    // Not started more than 12 hours (or 3 days, 30 minutes) ago.
    expect(await ids('--stuck', '12h')).toEqual([]);
    expect(await ids('--stuck', '3d')).toEqual([]);
    expect(await ids('--stuck', '30m')).toEqual([]);
    const table = await refunds('list', '--payment', paymentId, '--stuck', '1s');
    expect(table.stdout).toMatch(new RegExp(`^${waitingId}\\s+AWAITING_APPROVAL`, 'm'));
    expect(table.stdout).not.toContain(endedId);

    for (const bad of ['3x', '0d', '-3d', 'd', '99999d']) {
      const refused = await refunds('list', `--stuck=${bad}`);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^--stuck takes a duration such as 3d, 12h, 30m/);
    }
    await refunds('cancel', waitingId, '--reason', 'test done', '--by', 'ops');
  });

  it('names the bad field of an invalid request and exits 2', async () => {
    const bad = await refunds(
      'start',
      '--body',
      JSON.stringify({
        provider: 'openpayd',
        refundId: 'x',
        paymentId: 'p',
        amount: { amountMinor: 1.5, currency: 'EUR' },
      })
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/amount\.amountMinor/);
    const usage = await refunds('approve', 'some-id');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/needs --reason and --by/);
  });

  it("shows a payment's guard, and releases a reservation a terminated refund leaked, recording who and why", async () => {
    const paymentId = await stack.api.sandpayCollection(800, { refundOutcome: 'PENDING' });
    const refundId = uniqueRefundId('leak');
    await stack.refunds.start({
      provider: 'sandpay',
      refundId,
      paymentId,
      amount: { amountMinor: 800, currency: 'XOF' },
    });
    await stateWhen(stack.refunds, refundId, (s) => s.status === 'PENDING_PROVIDER', 'PENDING_PROVIDER');
    // While the refund runs, its reservation is its own.
    const early = await refunds('payment', 'sandpay', paymentId, '--release', refundId, '--reason', 'x', '--by', 'ops');
    expect(early.code).not.toBe(0);
    expect(early.stderr).toMatch(/still running/);

    await stack.client.workflow.getHandle(`refund-${refundId}`).terminate('stuck, by mistake');
    const shown = await refunds('payment', 'sandpay', paymentId);
    expect(shown.stdout).toMatch(new RegExp(`reserved +800 XOF +${refundId}`));
    const released = await refunds(
      'payment',
      'sandpay',
      paymentId,
      '--release',
      refundId,
      '--reason',
      'refund terminated; SandPay shows nothing',
      '--by',
      'alice',
      '--json'
    );
    expect(released.code).toBe(0);
    expect(JSON.parse(released.stdout)).toMatchObject({
      refundId,
      amountMinor: 800,
      by: 'alice',
      actor: expect.stringMatching(/^cli:/),
    });
    const after = JSON.parse((await refunds('payment', 'sandpay', paymentId, '--json')).stdout) as {
      reserved: object;
      released: object;
    };
    expect(after).toMatchObject({ reserved: {}, released: { [refundId]: 800 } });
    // A second release is refused by the guard's validator, before its history.
    const again = await refunds(
      'payment',
      'sandpay',
      paymentId,
      '--release',
      refundId,
      '--reason',
      'again',
      '--by',
      'alice'
    );
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/no reservation/);
  });
});
