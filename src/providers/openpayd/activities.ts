import type { Logger } from '../../logger';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../../refunds/provider-outcome';
import { refundActivityInfo, refundKeyRoot } from '../activity-info';
import { outcomeUnknown, readFailure, readProvider, sendFailure, stillPending } from '../failures';
import { idempotencyKey } from '../idempotency';

import { OpenpaydClient } from './client';
import type { OpenpaydSettings } from './client';
import type { OpenpaydAnswer } from './schemas';
import { PROVIDER, isOurs, refundOutcome } from './outcome';
import type { OpenpaydRefundRequest } from './request';

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
     * Sends the refund once. OpenPayd takes no idempotency key: the workflow gives this activity one
     * attempt, and after an unknown outcome looks for the refund by `referenceNo` instead of resending.
     */
    async openpaydSubmitRefund(input: SubmitInput<OpenpaydRefundRequest>): Promise<SubmitOutcome> {
      const { request } = input;
      const { workflowId, attempt, afterEarlierAttempt } = refundActivityInfo(input);
      const referenceNo = openpaydReferenceNo(request, workflowId);
      // A second attempt follows one that may have reached OpenPayd (its worker died, or a workflow
      // recorded before the decision core retried it): it never sends, it is an unknown outcome.
      if (afterEarlierAttempt)
        throw outcomeUnknown(PROVIDER, 'an earlier attempt may have sent this refund', { afterEarlierAttempt: true });
      let answer: OpenpaydAnswer;
      try {
        answer = await client.refund({
          transactionId: request.paymentId,
          referenceNo,
          // "Please be sure you are not sending amount and currency for full refund."
          ...(!request.full && { amountMinor: request.amount.amountMinor, currency: request.amount.currency }),
        });
      } catch (err) {
        sendFailure(PROVIDER, err);
      }
      deps.logger.info(
        { provider: 'openpayd', workflowId, attempt, referenceNo, status: answer.status, code: answer.code },
        'OpenPayd answered the refund'
      );
      return refundOutcome(answer, request, referenceNo);
    },

    /**
     * Reads the refund by `referenceNo`. `find`: only an answer that is ours on every field it
     * gives is adopted; anything else is "not found", never a reason to send again. `watch` (after
     * PENDING): until it is approved; no other answer of this undocumented read ends the refund.
     */
    async openpaydPollRefund(input: PollInput<OpenpaydRefundRequest>): Promise<PollOutcome> {
      const { request, intervalMs, jitter } = input;
      const workflowId = refundKeyRoot(input);
      const referenceNo = openpaydReferenceNo(request, workflowId);
      const answer = await readProvider(PROVIDER, input, () => client.status(referenceNo));
      const ours = isOurs(answer, request, referenceNo, input.firstRequestAt);
      if (ours && input.mode === 'find') {
        deps.logger.info(
          { provider: 'openpayd', workflowId, referenceNo, status: answer.status },
          'an earlier attempt reached OpenPayd: its refund matches this one'
        );
      }
      if (ours && answer.status === 'APPROVED') {
        return {
          kind: 'succeeded',
          providerRefundId: answer.transactionId ?? referenceNo,
          amountMinor: answer.amount ?? (request.full ? null : request.amount.amountMinor),
        };
      }
      if (input.mode === 'find') {
        if (ours && answer.status === 'PENDING') return { kind: 'pending', providerRefundId: referenceNo };
        if (input.retryNotFound)
          throw stillPending(PROVIDER, `no refund ${referenceNo} found yet`, { intervalMs, jitter });
        return { kind: 'not-found' };
      }
      if (ours && answer.status === 'PENDING') {
        if (input.reportHealthy) return { kind: 'healthy' };
        throw stillPending(PROVIDER, `refund ${referenceNo} is pending: ${answer.message}`, { intervalMs, jitter });
      }
      throw readFailure(PROVIDER, `status read: ${answer.status} ${answer.code} ${answer.message}`, input);
    },
  };
}
