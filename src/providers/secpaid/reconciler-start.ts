import type { Client } from '@temporalio/client';

import { reconcilerSettingsSignal, secpaidReconcilerWorkflowId } from '../../contract';

import type { ReconcilerSettings } from './reconciler-state';
import { initialReconcilerState } from './reconciler-state';

export interface ReconcilerEnv {
  /** SecPaid requests a second across every worker (the rate-limited queue's limit). */
  readonly maxRequestsPerSecond: number;
  /** The share of those the reconciler's page reads may take (SECPAID_RECONCILE_READ_SHARE). */
  readonly readShare: number;
  /** The least time between two passes' starts (SECPAID_RECONCILE_INTERVAL_MS). */
  readonly intervalMs: number;
}

/** SecPaid's maximum page, and how far back a first pass reads: past the 14-day review SLA. */
const PAGE_LIMIT = 1_000;
const MAX_SINCE_DAYS = 30;

/** Of the reads' share, what the pages take: the rest is for the reads of the refunds they wake. */
const PAGES_OF_READS = 0.8;

export function reconcilerSettings(env: ReconcilerEnv): ReconcilerSettings {
  return {
    intervalMs: env.intervalMs,
    pageGapMs: Math.ceil(1_000 / (env.maxRequestsPerSecond * env.readShare * PAGES_OF_READS)),
    pageLimit: PAGE_LIMIT,
    maxSinceDays: MAX_SINCE_DAYS,
  };
}

/**
 * Starts the reconciler of the refunds' queue, or hands today's settings to the one that runs
 * (signal-with-start: every worker may do it, one reconciler runs).
 */
export async function ensureSecpaidReconciler(
  client: Client,
  refundsTaskQueue: string,
  env: ReconcilerEnv
): Promise<void> {
  const settings = reconcilerSettings(env);
  await client.workflow.signalWithStart('secpaidReconciler', {
    workflowId: secpaidReconcilerWorkflowId(refundsTaskQueue),
    taskQueue: refundsTaskQueue,
    args: [initialReconcilerState(refundsTaskQueue, settings)],
    signal: reconcilerSettingsSignal,
    signalArgs: [settings],
  });
}
