import type { Logger } from '../../logger';
import type { SubmitOutcome } from '../../refunds/provider-outcome';
import type { RefundRequest } from '../../refunds/request';
import { refundActivityInfo } from '../activity-info';
import { callProvider } from '../failures';
import { idempotencyKey } from '../idempotency';

import { OpenpaydClient } from './client';
import type { OpenpaydSettings } from './client';
import { OPENPAYD_REFERENCE_NOT_FOUND, PROVIDER, verdictOf } from './outcome';

export type OpenpaydRefundRequest = Extract<RefundRequest, { provider: 'openpayd' }>;

export interface OpenpaydDeps {
  readonly settings: OpenpaydSettings;
  readonly logger: Logger;
}

/** OpenPayd's `referenceNo` for a refund: the caller's, or one derived from the workflow id. */
export function openpaydReferenceNo(request: OpenpaydRefundRequest, workflowId: string): string {
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
    async openpaydSubmitRefund(request: OpenpaydRefundRequest): Promise<SubmitOutcome> {
      const { workflowId, attempt } = refundActivityInfo();
      const referenceNo = openpaydReferenceNo(request, workflowId);
      const log = deps.logger.child({ provider: 'openpayd', workflowId, attempt });

      if (attempt > 1) {
        const prior = await callProvider(PROVIDER, () => client.status(referenceNo));
        if (!(prior.status === 'DECLINED' && prior.code === OPENPAYD_REFERENCE_NOT_FOUND)) {
          log.info(
            { referenceNo, status: prior.status, code: prior.code },
            'earlier attempt reached OpenPayd; not sending again'
          );
          const verdict = verdictOf(prior, referenceNo);
          if (verdict.kind === 'failure') throw verdict.failure;
          return verdict.outcome;
        }
        log.info({ referenceNo }, 'no earlier refund at OpenPayd; sending');
      }

      const answer = await callProvider(PROVIDER, () =>
        client.refund({
          transactionId: request.paymentId,
          referenceNo,
          // "Please be sure you are not sending amount and currency for full refund."
          ...(!request.full && { amountMinor: request.amount.amountMinor, currency: request.amount.currency }),
        })
      );
      log.info({ referenceNo, status: answer.status, code: answer.code }, 'OpenPayd answered the refund');
      const verdict = verdictOf(answer, referenceNo);
      if (verdict.kind === 'failure') throw verdict.failure;
      return verdict.outcome;
    },
  };
}
