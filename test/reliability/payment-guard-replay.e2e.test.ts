import { MockActivityEnvironment } from '@temporalio/testing';

import { createPaymentGuardActivities } from '../../src/activities/payment-guard';
import { guardStateQuery, paymentGuardWorkflowId } from '../../src/contract';
import type { PaymentGuardTarget } from '../../src/activities/payment-guard';
import type { ReserveInput, ReserveResult, SettleInput } from '../../src/refunds/payment-guard';
import { eventually, startTestStack, uniqueRefundId } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * A guard call whose workflow task fails after the guard applied it (a worker shutting down gives
 * up on the next call of that task; a crash) is made again by the next worker, from the same local
 * activity of the same run. The guard must answer it as it answered the first time, not apply it
 * again: a reservation replayed after its own release would hold an amount the refund no longer
 * holds, and could refuse the refund an amount another refund took meanwhile. The calls are the
 * worker's own guard activities, run in an activity context of the refund they would run for, against
 * a real guard on the suite's server.
 */
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

it.each([
  ['while the guard runs', undefined],
  ['by its next run, after it closed when quiet (the server remembers update ids in one run only)', 1_000],
])(
  'answers a replayed call as the first time, and a new call of the same run anew: %s',
  async (_when, quietWindowMs) => {
    const paymentId = await stack.api.sandpayCollection(1_000);
    const refundId = uniqueRefundId('replay');
    const guard = { provider: 'sandpay', paymentId };
    const activities = createPaymentGuardActivities({ client: stack.client, quietWindowMs });
    const guardHandle = stack.client.workflow.getHandle(paymentGuardWorkflowId('sandpay', paymentId));
    // The local activity `seq` of the refund's run: what a replay of the same workflow task repeats.
    const asCall = (seq: number, of = { refundId, runId: 'run-1' }) =>
      new MockActivityEnvironment({
        activityId: String(seq),
        activityType: 'guard call',
        isLocal: true,
        taskQueue: stack.taskQueue,
        workflowExecution: { workflowId: `refund-${of.refundId}`, runId: of.runId },
      });
    const reserve: ReserveInput = {
      refundId,
      amountMinor: 600,
      currency: 'XOF',
      paymentAmountMinor: 1_000,
      runId: 'run-1',
    };
    const ledger = () =>
      stack.client.workflow.getHandle(paymentGuardWorkflowId('sandpay', paymentId)).query(guardStateQuery);
    const reserveAs = (seq: number, input: ReserveInput) => {
      const call = (target: PaymentGuardTarget, i: ReserveInput) => activities.reservePayment(target, i);
      return asCall(seq, { refundId: input.refundId, runId: input.runId ?? 'run-1' }).run<
        [PaymentGuardTarget, ReserveInput],
        ReserveResult,
        typeof call
      >(call, guard, input);
    };
    const releaseAs = (seq: number, input: SettleInput) => {
      const call = (target: PaymentGuardTarget, i: SettleInput) => activities.releasePayment(target, i);
      return asCall(seq).run<[PaymentGuardTarget, SettleInput], void, typeof call>(call, guard, input);
    };

    const first = await reserveAs(3, reserve);
    // `fresh`: this call took the reservation. Another call of the same run finds it held.
    expect(first).toEqual({ accepted: true, refundableBeforeMinor: 1_000, fresh: true });
    expect(await reserveAs(5, reserve)).toEqual({ accepted: true, refundableBeforeMinor: 400, fresh: false });
    await releaseAs(4, { refundId });
    expect((await ledger()).reserved[refundId]).toBeUndefined();

    if (quietWindowMs !== undefined) {
      const closedRun = (await guardHandle.describe()).runId;
      await eventually(
        async () => ((await guardHandle.describe()).status.name === 'COMPLETED' ? true : undefined),
        'the guard closes when quiet',
        20_000
      );
      expect(closedRun).toBeDefined();
    }

    // Meanwhile another refund of the payment takes all of it.
    const other: ReserveInput = {
      ...reserve,
      refundId: uniqueRefundId('replay-other'),
      amountMinor: 1_000,
      runId: 'run-o',
    };
    expect((await reserveAs(3, other)).accepted).toBe(true);

    // The task that held both calls failed; the next worker replays it: the same calls again.
    expect(await reserveAs(3, reserve)).toEqual(first);
    await releaseAs(4, { refundId });
    expect((await ledger()).reserved).toEqual({ [other.refundId]: 1_000 });

    // A later reservation of the same run (after a retry-later, say) is a new call: refused now.
    expect(await reserveAs(9, reserve)).toMatchObject({ accepted: false });
  }
);
