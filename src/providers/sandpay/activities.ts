import type { Logger } from '../../logger';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import { refundActivityInfo } from '../activity-info';
import { callProvider, stillPending } from '../failures';
import { idempotencyKey } from '../idempotency';

import { SandpayClient } from './client';
import type { SandpaySettings } from './client';
import { PROVIDER, errorFailure, statusFailure } from './outcome';

export interface SandpayDeps {
  readonly settings: SandpaySettings;
  readonly logger: Logger;
}

/** The refund's `reference`: the same for every retry of one submission, new for the next submission. */
export function sandpayReference(workflowId: string, submission: number): string {
  return idempotencyKey(workflowId, `refund-${submission}`, 80);
}

export function createSandpayActivities(deps: SandpayDeps) {
  const client = new SandpayClient(deps.settings);

  return {
    /**
     * Sends the refund with a reference derived from the workflow id and the submission: a retry
     * after a lost answer sends the same reference and SandPay replays the first refund.
     */
    async sandpaySubmitRefund({ request, submission }: SubmitInput<'sandpay'>): Promise<SubmitOutcome> {
      const { workflowId, attempt } = refundActivityInfo();
      const reference = sandpayReference(workflowId, submission);
      const result = await callProvider(PROVIDER, () =>
        client.refund(request.paymentId, {
          // FCFA and RWF have no minor unit: minor units are whole francs, as SandPay counts them.
          ...(!request.full && { amount: request.amount.amountMinor }),
          reference,
          ...(request.description !== undefined && { description: request.description }),
        })
      );
      if (!result.ok) throw errorFailure(result.status, result.error);
      const answer = result.value;
      deps.logger.info(
        {
          provider: 'sandpay',
          workflowId,
          attempt,
          reference,
          txId: answer.tx_id,
          status: answer.status,
          idempotent: answer.idempotent,
        },
        'SandPay answered the refund'
      );
      if (answer.status === 'SUCCESS')
        return { kind: 'succeeded', providerRefundId: answer.tx_id, amountMinor: answer.amount };
      if (answer.status === 'PENDING') return { kind: 'pending', providerRefundId: answer.tx_id };
      throw statusFailure(answer.status);
    },

    /** Reads a PENDING refund until SandPay settles it. */
    async sandpayPollRefund({ providerRefundId, intervalMs, jitter }: PollInput<'sandpay'>): Promise<PollOutcome> {
      if (providerRefundId === null) throw new Error('SandPay poll needs the refund tx id');
      const result = await callProvider(PROVIDER, () => client.payment(providerRefundId));
      if (!result.ok) throw errorFailure(result.status, result.error);
      const tx = result.value;
      if (tx.status === 'SUCCESS') return { kind: 'succeeded', providerRefundId: tx.id, amountMinor: tx.amount };
      if (tx.status === 'PENDING')
        throw stillPending(PROVIDER, `refund ${tx.id} still PENDING`, { intervalMs, jitter });
      throw statusFailure(tx.status);
    },
  };
}
