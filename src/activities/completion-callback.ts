import { ApplicationFailure } from '@temporalio/common';

import { SIGNATURE_HEADER, signPayload } from '../callbacks/signature';
import type { Logger } from '../logger';
import type { CompletionEvent } from '../refunds/completion';

export interface CallbackDeps {
  readonly signingSecret: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/** Delivers one completion event; any non-2xx or network failure is retried by Temporal for days. */
export function createCallbackActivities(deps: CallbackDeps) {
  return {
    async deliverCompletionCallback(url: string, event: CompletionEvent): Promise<{ status: number }> {
      const body = JSON.stringify(event);
      // Signed at each attempt, so the timestamp is fresh whenever the receiver finally answers.
      const signature = signPayload(body, deps.signingSecret, Math.floor(Date.now() / 1000));
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signature,
            'user-agent': 'refund-orchestrator',
          },
          body,
          signal: AbortSignal.timeout(deps.timeoutMs),
          redirect: 'error',
        });
      } catch (err) {
        throw ApplicationFailure.retryable(
          `callback to ${new URL(url).host} failed: ${(err as Error).message}`,
          'CallbackUnreachable'
        );
      }
      await response.body?.cancel();
      if (!response.ok) {
        throw ApplicationFailure.retryable(`callback answered HTTP ${response.status}`, 'CallbackRejected');
      }
      deps.logger.info(
        { refundId: event.refundId, type: event.type, status: response.status },
        'completion callback delivered'
      );
      return { status: response.status };
    },
  };
}
