import * as wf from '@temporalio/workflow';

import type { createCallbackActivities } from '../activities/completion-callback';
import type { CompletionEvent } from '../refunds/completion';

const SECOND = 1_000;
const HOUR = 3_600_000;

/**
 * Delivers a refund's completion event to the backend's `callbackUrl`, as a child the refund
 * abandons: the refund has already ended, and nothing that happens here can change it.
 */
export async function completionCallback(
  url: string,
  event: CompletionEvent,
  /** The refund's time scale (1 in production; tests run days of retries in seconds). */
  timeScale = 1
): Promise<'delivered' | 'gave up'> {
  const scaled = (ms: number): number => Math.max(1, Math.round(ms * timeScale));
  const { deliverCompletionCallback } = wf.proxyActivities<ReturnType<typeof createCallbackActivities>>({
    startToCloseTimeout: 30 * SECOND,
    // Retried with backoff for three days; each attempt is one activity retry, not new history.
    scheduleToCloseTimeout: Math.max(30 * SECOND, scaled(72 * HOUR)),
    retry: { initialInterval: scaled(10 * SECOND), backoffCoefficient: 2, maximumInterval: scaled(HOUR) },
    summary: 'deliver the signed completion event',
  });
  try {
    await deliverCompletionCallback(url, event);
    return 'delivered';
  } catch (err) {
    wf.log.warn('completion callback gave up', { refundId: event.refundId, error: String(err) });
    return 'gave up';
  }
}
