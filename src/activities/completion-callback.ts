import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { ApplicationFailure } from '@temporalio/common';

import { callbackUrlProblem, guardedLookup } from '../callbacks/destination';
import { SIGNATURE_HEADER, signPayload } from '../callbacks/signature';
import type { CallbackConfig } from '../config';
import type { Logger } from '../logger';
import type { CompletionEvent } from '../refunds/completion';
import type { OrchestratorErrorType } from '../refunds/failures';

export interface CallbackDeps extends CallbackConfig {
  readonly logger: Logger;
}

/** A callback's POST, answered with its status: never follows a redirect, never reads the body. */
function post(url: URL, headers: Record<string, string>, body: string, deps: CallbackDeps): Promise<number> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(deps),
        timeout: deps.timeoutMs,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${deps.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Delivers one completion event; any non-2xx or network failure is retried by Temporal for days. */
export function createCallbackActivities(deps: CallbackDeps) {
  return {
    async deliverCompletionCallback(url: string, event: CompletionEvent): Promise<{ status: number }> {
      // Checked again here, whatever the API checked: a refund started through the client, or a
      // policy tightened since, must not reach an internal host. Retrying would not change that.
      const problem = callbackUrlProblem(url, deps);
      if (problem !== undefined) {
        throw ApplicationFailure.nonRetryable(`callbackUrl ${problem}`, 'CallbackDestinationRefused');
      }
      const target = new URL(url);
      const body = JSON.stringify(event);
      // Signed at each attempt, so the timestamp is fresh whenever the receiver finally answers.
      const signature = signPayload(body, deps.signingSecret, Math.floor(Date.now() / 1000));
      let status: number;
      try {
        status = await post(
          target,
          { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature, 'user-agent': 'refund-orchestrator' },
          body,
          deps
        );
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ECALLBACKDENIED') {
          throw ApplicationFailure.nonRetryable(
            `callback to ${target.host} refused: ${(err as Error).message}`,
            'CallbackDestinationRefused' satisfies OrchestratorErrorType
          );
        }
        throw ApplicationFailure.retryable(
          `callback to ${target.host} failed: ${(err as Error).message}`,
          'CallbackUnreachable' satisfies OrchestratorErrorType
        );
      }
      if (status < 200 || status > 299) {
        throw ApplicationFailure.retryable(`callback answered HTTP ${status}`, 'CallbackRejected');
      }
      deps.logger.info({ refundId: event.refundId, type: event.type, status }, 'completion callback delivered');
      return { status };
    },
  };
}
