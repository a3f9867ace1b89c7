import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';

import { commitUpdate, releaseUpdate, reserveUpdate } from '../refunds/payment-guard';
import type { ReserveInput, ReserveResult, SettleInput } from '../refunds/payment-guard';
import { updatePaymentGuard } from '../temporal/payment-guard-client';
import type { PaymentGuardTarget } from '../temporal/payment-guard-client';

export type { PaymentGuardTarget } from '../temporal/payment-guard-client';

/** What the guard activities need: a client, and the quiet window that every guard start carries. */
export interface PaymentGuardDeps {
  readonly client: Client;
  /** PAYMENT_GUARD_QUIET_WINDOW_MS: a guard without updates for this long completes (its ledger is its result). */
  readonly quietWindowMs: number;
}

/**
 * The refund workflow's way to talk to its payment's guard: workflows cannot send updates, so these
 * (local) activities do, with update-with-start so that the first refund of a payment creates it,
 * and a guard closed after its quiet window resumes from its ledger (updatePaymentGuard).
 */
export function createPaymentGuardActivities(deps: PaymentGuardDeps) {
  // Next to the refund's own task queue.
  const placement = () => ({ refundsTaskQueue: Context.current().info.taskQueue, quietWindowMs: deps.quietWindowMs });
  return {
    async reservePayment(target: PaymentGuardTarget, input: ReserveInput): Promise<ReserveResult> {
      return updatePaymentGuard(deps.client, target, placement(), reserveUpdate, [input]);
    },
    async commitPayment(target: PaymentGuardTarget, input: SettleInput): Promise<void> {
      await updatePaymentGuard(deps.client, target, placement(), commitUpdate, [input]);
    },
    async releasePayment(target: PaymentGuardTarget, input: SettleInput): Promise<void> {
      await updatePaymentGuard(deps.client, target, placement(), releaseUpdate, [input]);
    },
  };
}
