import { z } from 'zod';

import { defineAdapter } from '../adapter';
import { httpUrl, nonEmpty } from '../env';

import { createSecpaidActivities } from './activities';
import { createSecpaidSandbox, SECPAID_SANDBOX_TOKEN } from './sandbox';

/** SecPaid's Node part: `SECPAID_*` settings, its activities (own task queue, rate-limited), its sandbox. */
export const secpaidAdapter = defineAdapter({
  name: 'secpaid',
  env: z.object({
    SECPAID_BASE_URL: httpUrl,
    SECPAID_TOKEN: nonEmpty,
    /** Requests a second across all workers; SecPaid allows 60 a minute. */
    SECPAID_MAX_REQUESTS_PER_SECOND: z.coerce.number().positive().max(1).default(0.9),
  }),
  secrets: ['SECPAID_TOKEN'],
  sandboxEnv: (url) => ({ SECPAID_BASE_URL: `${url}/secpaid`, SECPAID_TOKEN: SECPAID_SANDBOX_TOKEN }),
  settings: (env, { timeoutMs }) => ({
    baseUrl: env.SECPAID_BASE_URL,
    token: env.SECPAID_TOKEN,
    timeoutMs,
    maxRequestsPerSecond: env.SECPAID_MAX_REQUESTS_PER_SECOND,
  }),
  activities: createSecpaidActivities,
  queueRateLimit: (settings) => settings.maxRequestsPerSecond,
  sandbox: (ctx) => createSecpaidSandbox(ctx),
});
