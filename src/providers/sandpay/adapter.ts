import { z } from 'zod';

import { defineAdapter } from '../adapter';
import { httpUrl } from '../env';

import { createSandpayActivities } from './activities';
import { createSandpaySandbox, SANDPAY_SANDBOX_KEY } from './sandbox';

/** SandPay's Node part: `SANDPAY_*` settings, its activities, its sandbox. */
export const sandpayAdapter = defineAdapter({
  name: 'sandpay',
  env: z.object({
    SANDPAY_BASE_URL: httpUrl,
    SANDPAY_API_KEY: z
      .string()
      .regex(/^sp_sk_(test|live)_/, 'must be a SandPay secret key (sp_sk_test_… or sp_sk_live_…)'),
  }),
  secrets: ['SANDPAY_API_KEY'],
  sandboxEnv: (url) => ({ SANDPAY_BASE_URL: `${url}/sandpay`, SANDPAY_API_KEY: SANDPAY_SANDBOX_KEY }),
  settings: (env, { timeoutMs }) => ({
    baseUrl: env.SANDPAY_BASE_URL,
    apiKey: env.SANDPAY_API_KEY,
    timeoutMs,
  }),
  activities: createSandpayActivities,
  sandbox: (ctx) => createSandpaySandbox(ctx),
});
