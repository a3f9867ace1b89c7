import * as wf from '@temporalio/workflow';

import { profileOf } from '../providers/lifecycle';
import { completionCallbackWorkflowId, NeedsAttentionKey } from '../contract';
import { completionEvent } from '../refunds/completion';
import type { RefundRequest } from '../providers';

import { completionCallback } from './completion-callback';
import { paymentGuardCalls } from './refund/gate';
import { providerCalls } from './refund/provider-calls';

const DAY = 86_400_000;
/** How long a refund an operator resolved FAILED is still read, while the provider may hold it. */
export const OPERATOR_FAILED_WATCH_MS = 90 * DAY;

export interface RefundWatchInput {
  readonly request: RefundRequest;
  /** The refund's workflow id: the root of the references its requests carried. */
  readonly refundWorkflowId: string;
  readonly providerRefundId: string | null;
  readonly submission: number;
  readonly firstRequestAt: string | null;
  readonly timeScale: number;
}

/**
 * Reads, slowly, a refund an operator resolved FAILED while the provider may still have it; its
 * reservation was kept. If the provider refunds after all, the amount is committed, `NeedsAttention`
 * is raised here (the refund itself has ended) and the backend gets a corrected completion event;
 * if the provider says it failed, the reservation is released. Started by the refund, which
 * abandons it. Each read is a retry of one long activity, so 90 days cost a few events.
 */
export async function refundWatch(input: RefundWatchInput): Promise<'refunded' | 'failed' | 'watch ended'> {
  const { request } = input;
  const profile = profileOf(request.provider);
  const scaled = (ms: number): number => Math.max(1, Math.round(ms * input.timeScale));
  const calls = providerCalls(request, profile, scaled);
  const guard = { provider: request.provider, paymentId: request.paymentId };
  const until = Date.now() + scaled(OPERATOR_FAILED_WATCH_MS);
  const find = input.providerRefundId === null && profile.findEarlier === 'read';
  for (;;) {
    const result = await calls.read({
      mode: find ? 'find' : 'watch',
      slow: true,
      submission: input.submission,
      providerRefundId: input.providerRefundId,
      errorsRetried: true,
      remainingMs: Math.max(1, until - Date.now()),
      firstRequestAt: input.firstRequestAt,
      refundWorkflowId: input.refundWorkflowId,
    });
    if (result.kind === 'succeeded') {
      await refundedAfterAll(input, guard, result.providerRefundId, result.amountMinor);
      return 'refunded';
    }
    if (result.kind === 'final') {
      await paymentGuardCalls.releasePayment(guard, { refundId: request.refundId });
      return 'failed';
    }
    if (result.kind === 'deadline' || Date.now() >= until) return 'watch ended';
    // Pending, healthy or failed reads: a pause, then read on.
    await wf.sleep(scaled(profile.poll.slowIntervalMs));
  }
}

async function refundedAfterAll(
  input: RefundWatchInput,
  guard: { provider: string; paymentId: string },
  providerRefundId: string,
  amountMinor: number | null
): Promise<void> {
  const { request } = input;
  await paymentGuardCalls.commitPayment(guard, { refundId: request.refundId, amountMinor });
  wf.upsertSearchAttributes([{ key: NeedsAttentionKey, value: true }]);
  wf.log.warn('a refund resolved FAILED was refunded by the provider after all', {
    refundId: request.refundId,
    providerRefundId,
    amountMinor,
  });
  if (request.callbackUrl === undefined) return;
  const event = completionEvent(
    request,
    { status: 'SUCCEEDED', providerRefundId, refundedAmountMinor: amountMinor, failure: null },
    new Date(Date.now()).toISOString(),
    `evt_${request.refundId}_succeeded_after_failed`
  );
  await wf.startChild(completionCallback, {
    workflowId: `${completionCallbackWorkflowId(request.refundId)}-after-failed`,
    args: [request.callbackUrl, event, input.timeScale],
    parentClosePolicy: 'ABANDON',
  });
}
