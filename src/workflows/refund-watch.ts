import * as wf from '@temporalio/workflow';

import { providerProfiles } from '../providers/profiles';
export { refundWatchWorkflowId } from '../refunds/ids';
import { NeedsAttentionKey } from '../refunds/search-attributes';
import type { RefundRequest } from '../refunds/request';

import { paymentGuardCalls } from './refund/gate';
import { providerCalls } from './refund/provider-calls';

const DAY = 86_400_000;
/** How long a refund an operator resolved FAILED is still read, while the provider may hold it. */
export const OPERATOR_FAILED_WATCH_MS = 90 * DAY;

export interface RefundWatchInput {
  readonly request: RefundRequest;
  readonly providerRefundId: string | null;
  readonly timeScale: number;
}

/**
 * Reads, slowly, a refund an operator resolved FAILED while the provider may still have it. Its
 * reservation was kept. If the provider says it refunded after all, the amount is committed and
 * `NeedsAttention` is raised here (the refund itself has ended); if the provider says it failed,
 * the reservation is released. Started by the refund, which abandons it.
 */
export async function refundWatch(input: RefundWatchInput): Promise<'refunded' | 'failed' | 'watch ended'> {
  const readOnce = () =>
    calls.read({
      mode: find ? 'find' : 'watch',
      slow: true,
      submission: 1,
      providerRefundId: input.providerRefundId,
      errorsRetried: true,
      remainingMs: Math.max(1, until - Date.now()),
      firstRequestAt: null,
    });
  const { request } = input;
  const profile = providerProfiles[request.provider];
  const scaled = (ms: number): number => Math.max(1, Math.round(ms * input.timeScale));
  const calls = providerCalls(request, profile, scaled);
  const guard = { provider: request.provider, paymentId: request.paymentId };
  const until = Date.now() + scaled(OPERATOR_FAILED_WATCH_MS);
  const find = input.providerRefundId === null && profile.findEarlier === 'read';
  let result = await readOnce();
  // Healthy reads, or nothing found yet: read on, slowly, until the watch ends.
  while (result.kind !== 'succeeded' && result.kind !== 'final' && result.kind !== 'deadline' && Date.now() < until) {
    if (find) await wf.sleep(scaled(profile.poll.slowIntervalMs));
    result = await readOnce();
  }
  if (result.kind === 'succeeded') {
    await paymentGuardCalls.commitPayment(guard, { refundId: request.refundId, amountMinor: result.amountMinor });
    wf.upsertSearchAttributes([{ key: NeedsAttentionKey, value: true }]);
    wf.log.warn('a refund resolved FAILED was refunded by the provider after all', {
      refundId: request.refundId,
      providerRefundId: result.providerRefundId,
      amountMinor: result.amountMinor,
    });
    return 'refunded';
  }
  if (result.kind === 'final' && result.answer.kind === 'declined') {
    await paymentGuardCalls.releasePayment(guard, { refundId: request.refundId });
    return 'failed';
  }
  return 'watch ended';
}
