import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';

import {
  PAYMENT_GUARD_TASK_QUEUE_SUFFIX,
  commitUpdate,
  paymentGuardWorkflowId,
  releaseUpdate,
  reserveUpdate,
} from '../refunds/payment-guard';
import type { PaymentGuardState, ReserveInput, ReserveResult, SettleInput } from '../refunds/payment-guard';
import type { paymentGuard } from '../workflows';

export interface PaymentGuardTarget {
  readonly provider: string;
  readonly paymentId: string;
}

/**
 * The refund workflow's way to talk to its payment's guard: workflows cannot send updates, so these
 * (local) activities do, with update-with-start so that the first refund of a payment creates it.
 */
export function createPaymentGuardActivities(deps: { readonly client: Client }) {
  const guardStart = (target: PaymentGuardTarget) => {
    const initial: PaymentGuardState = {
      provider: target.provider,
      paymentId: target.paymentId,
      currency: null,
      paymentAmountMinor: null,
      reserved: {},
      committed: {},
    };
    return new WithStartWorkflowOperation<typeof paymentGuard>('paymentGuard', {
      workflowId: paymentGuardWorkflowId(target.provider, target.paymentId),
      // Next to the refund's task queue, on its own (see PAYMENT_GUARD_TASK_QUEUE_SUFFIX).
      taskQueue: `${Context.current().info.taskQueue}-${PAYMENT_GUARD_TASK_QUEUE_SUFFIX}`,
      args: [initial],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  };

  /**
   * Never an empty guard over a closed one: a guard that was terminated (or failed) would forget
   * every refund of the payment, so the call fails until an operator restores it, and the refund
   * asks for one. (A guard that is gone after the namespace's retention cannot be seen: README.)
   */
  const refuseClosedGuard = async (target: PaymentGuardTarget): Promise<void> => {
    const id = paymentGuardWorkflowId(target.provider, target.paymentId);
    const status = await deps.client.workflow
      .getHandle(id)
      .describe()
      .then(
        (d) => d.status.name,
        () => undefined
      );
    if (status !== undefined && status !== 'RUNNING' && status !== 'CONTINUED_AS_NEW') {
      throw ApplicationFailure.nonRetryable(
        `the payment guard ${id} is ${status}: restore it before refunding`,
        'PaymentGuardClosed'
      );
    }
  };

  return {
    async reservePayment(target: PaymentGuardTarget, input: ReserveInput): Promise<ReserveResult> {
      await refuseClosedGuard(target);
      return deps.client.workflow.executeUpdateWithStart(reserveUpdate, {
        args: [input],
        startWorkflowOperation: guardStart(target),
      });
    },
    async commitPayment(target: PaymentGuardTarget, input: SettleInput): Promise<void> {
      await refuseClosedGuard(target);
      await deps.client.workflow.executeUpdateWithStart(commitUpdate, {
        args: [input],
        startWorkflowOperation: guardStart(target),
      });
    },
    async releasePayment(target: PaymentGuardTarget, input: SettleInput): Promise<void> {
      await refuseClosedGuard(target);
      await deps.client.workflow.executeUpdateWithStart(releaseUpdate, {
        args: [input],
        startWorkflowOperation: guardStart(target),
      });
    },
  };
}
