import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { startTestStack, temporalAddress, uniqueRefundId } from './support/stack';
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
});
