import { z } from 'zod';

import { defineAdapter } from '../adapter';
import { httpUrl, nonEmpty } from '../env';

import { createSecpaidActivities } from './activities';
import { createSecpaidReconcileActivities } from './reconcile-activities';
import { ensureSecpaidReconciler } from './reconciler-start';
import { SECPAID_READS_TASK_QUEUE_SUFFIX } from './profile';
import { createSecpaidSandbox, SECPAID_SANDBOX_TOKEN } from './sandbox';

/**
 * SecPaid's Node part: `SECPAID_*` settings, its activities (own task queue, rate-limited), the
 * reconciler every worker makes sure runs, its sandbox.
 */
export const secpaidAdapter = defineAdapter({
  name: 'secpaid',
  env: z.object({
    SECPAID_BASE_URL: httpUrl,
    SECPAID_TOKEN: nonEmpty,
    /** Requests a second across all workers; SecPaid allows 60 a minute. */
    SECPAID_MAX_REQUESTS_PER_SECOND: z.coerce.number().positive().max(1).default(0.9),
    /** The share of those the reconciler's reads may take; submissions get the rest. */
    SECPAID_RECONCILE_READ_SHARE: z.coerce.number().min(0.01).max(0.5).default(0.1),
    /** The least time between the starts of two passes of the reconciler (5 min). */
    SECPAID_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(300_000),
  }),
  secrets: ['SECPAID_TOKEN'],
  sandboxEnv: (url) => ({ SECPAID_BASE_URL: `${url}/secpaid`, SECPAID_TOKEN: SECPAID_SANDBOX_TOKEN }),
  settings: (env, { timeoutMs }) => ({
    baseUrl: env.SECPAID_BASE_URL,
    token: env.SECPAID_TOKEN,
    timeoutMs,
    maxRequestsPerSecond: env.SECPAID_MAX_REQUESTS_PER_SECOND,
    reconcile: {
      maxRequestsPerSecond: env.SECPAID_MAX_REQUESTS_PER_SECOND,
      readShare: env.SECPAID_RECONCILE_READ_SHARE,
      intervalMs: env.SECPAID_RECONCILE_INTERVAL_MS,
    },
  }),
  activities: createSecpaidActivities,
  ownWorkflow: {
    activities: createSecpaidReconcileActivities,
    ensureRunning: (client, refundsTaskQueue, settings) =>
      ensureSecpaidReconciler(client, refundsTaskQueue, settings.reconcile),
  },
  // The reconciler's reads take their share of SecPaid's rate on a queue of their own; calls the rest.
  queueRateLimit: (settings, suffix) =>
    settings.maxRequestsPerSecond *
    (suffix === SECPAID_READS_TASK_QUEUE_SUFFIX ? settings.reconcile.readShare : 1 - settings.reconcile.readShare),
  sandbox: (ctx) => createSecpaidSandbox(ctx),
});
