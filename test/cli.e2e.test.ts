import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { startTestStack, stateWhen, temporalAddress, uniqueRefundId } from './support/stack';
import type { TestStack } from './support/stack';

const run = promisify(execFile);
const bin = path.join(__dirname, '..', 'bin', 'refunds.js');

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
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
    expect(refused.stdout).toMatch(/REFUSED: the refund has already ended: SUCCEEDED/);
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
    expect(shown.stdout).toMatch(new RegExp(`reserved +800 +${refundId}`));
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
