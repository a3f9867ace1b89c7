import type { Logger } from '../../logger';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import type { RequestOf } from '../../refunds/request';
import { refundActivityInfo } from '../activity-info';
import { callProvider, stillPending } from '../failures';
import { idempotencyKey } from '../idempotency';

import { OpenpaydClient } from './client';
import type { OpenpaydSettings } from './client';
import { PROVIDER, isReferenceNotFound, outcomeOf } from './outcome';

export interface OpenpaydDeps {
  readonly settings: OpenpaydSettings;
  readonly logger: Logger;
}

/** OpenPayd's `referenceNo` for a refund: the caller's, or one derived from the workflow id. */
export function openpaydReferenceNo(request: RequestOf<'openpayd'>, workflowId: string): string {
  return request.referenceNo ?? idempotencyKey(workflowId, 'refund', 32);
}

export function createOpenpaydActivities(deps: OpenpaydDeps) {
  const client = new OpenpaydClient(deps.settings);

  return {
    /**
     * Sends the refund, at most once in effect. OpenPayd takes no idempotency key, so a retry
     * (attempt > 1: the earlier one timed out, was reset, or its worker died) first asks OpenPayd
     * whether a refund with our `referenceNo` exists, and only sends when it does not.
     */
    async openpaydSubmitRefund({ request }: SubmitInput<'openpayd'>): Promise<SubmitOutcome> {
      const { workflowId, attempt } = refundActivityInfo();
      const referenceNo = openpaydReferenceNo(request, workflowId);
      const log = deps.logger.child({ provider: 'openpayd', workflowId, attempt, referenceNo });

      if (attempt > 1) {
        const prior = await callProvider(PROVIDER, () => client.status(referenceNo));
        if (!isReferenceNotFound(prior)) {
          log.info(
            { status: prior.status, code: prior.code },
            'an earlier attempt reached OpenPayd; not sending again'
          );
          return outcomeOf(prior, referenceNo);
        }
        log.info('no earlier refund at OpenPayd; sending');
      }

      const answer = await callProvider(PROVIDER, () =>
        client.refund({
          transactionId: request.paymentId,
          referenceNo,
          // "Please be sure you are not sending amount and currency for full refund."
          ...(!request.full && { amountMinor: request.amount.amountMinor, currency: request.amount.currency }),
        })
      );
      log.info({ status: answer.status, code: answer.code }, 'OpenPayd answered the refund');
      return outcomeOf(answer, referenceNo);
    },

    /** Reads the refund by `referenceNo` until it is final (only after a PENDING answer). */
    async openpaydPollRefund({ request, intervalMs, jitter }: PollInput<'openpayd'>): Promise<PollOutcome> {
      const { workflowId } = refundActivityInfo();
      const referenceNo = openpaydReferenceNo(request, workflowId);
      const answer = await callProvider(PROVIDER, () => client.status(referenceNo));
      if (isReferenceNotFound(answer))
        throw stillPending(PROVIDER, `no refund ${referenceNo} yet`, { intervalMs, jitter });
      const outcome = outcomeOf(answer, referenceNo);
      if (outcome.kind !== 'succeeded') {
        throw stillPending(PROVIDER, `refund ${referenceNo} is pending: ${answer.message}`, { intervalMs, jitter });
      }
      return outcome;
    },
  };
}
