import { ApplicationFailure } from '@temporalio/common';

import type { Logger } from '../../logger';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import { refundActivityInfo } from '../activity-info';
import { callProvider, outcomeUnknown, readFailure, readProvider, stillPending } from '../failures';
import { idempotencyKey } from '../idempotency';

import { SandpayClient } from './client';
import type { SandpaySettings } from './client';
import { PROVIDER, errorFailure, statusFailure } from './outcome';
import type { SandpayRefundRequest } from './request';

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
    async sandpaySubmitRefund(input: SubmitInput<SandpayRefundRequest>): Promise<SubmitOutcome> {
      const { request, submission } = input;
      const { workflowId, attempt, afterEarlierAttempt } = refundActivityInfo(input);
      const reference = sandpayReference(workflowId, submission);
      const facts = { afterEarlierAttempt };
      const result = await callProvider(PROVIDER, () =>
        client.refund(request.paymentId, {
          // FCFA and RWF have no minor unit: minor units are whole francs, as SandPay counts them.
          ...(!request.full && { amount: request.amount.amountMinor }),
          reference,
          ...(request.description !== undefined && { description: request.description }),
        })
      );
      if (!result.ok) {
        throw (
          errorFailure(result.status, result.error, facts) ??
          ApplicationFailure.retryable(
            `${PROVIDER}: HTTP ${result.status} ${result.error.error}`,
            'ProviderUnavailable'
          )
        );
      }
      const answer = result.value;
      // An answer (a replay above all) is ours only for our payment and, for a partial refund, our amount.
      if (
        answer.parent_tx_id !== request.paymentId ||
        (!request.full && answer.amount !== request.amount.amountMinor)
      ) {
        throw outcomeUnknown(
          PROVIDER,
          `answer for ${answer.parent_tx_id} of ${answer.amount}, not this refund of ${request.paymentId}`,
          facts
        );
      }
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
      throw statusFailure(answer.status, answer.tx_id, facts);
    },

    /** Reads our refund transaction: only its status ends anything; every other answer is read again. */
    async sandpayPollRefund(input: PollInput<SandpayRefundRequest>): Promise<PollOutcome> {
      const { providerRefundId, intervalMs, jitter } = input;
      if (providerRefundId === null) throw readFailure(PROVIDER, 'no transaction id to read', input);
      const result = await readProvider(PROVIDER, input, () => client.payment(providerRefundId));
      if (!result.ok) throw readFailure(PROVIDER, `HTTP ${result.status} ${result.error.error}`, input);
      const tx = result.value;
      if (tx.id !== providerRefundId || tx.type !== 'refund') {
        throw readFailure(PROVIDER, `the read answered for ${tx.type} ${tx.id}, not refund ${providerRefundId}`, input);
      }
      if (tx.status === undefined) throw readFailure(PROVIDER, `transaction ${tx.id} without a status`, input);
      if (tx.status === 'SUCCESS') return { kind: 'succeeded', providerRefundId: tx.id, amountMinor: tx.amount };
      if (tx.status === 'PENDING') {
        if (input.reportHealthy) return { kind: 'healthy' };
        if (input.mode === 'recheck') return { kind: 'pending', providerRefundId: tx.id };
        throw stillPending(PROVIDER, `refund ${tx.id} still PENDING`, { intervalMs, jitter });
      }
      throw statusFailure(tx.status, tx.id);
    },
  };
}
