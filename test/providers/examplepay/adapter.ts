import { z } from 'zod';

import { defineAdapter } from '../../../src/providers/adapter';
import { httpUrl, nonEmpty } from '../../../src/providers/env';

import { createExamplepayActivities } from './activities';
import { createExamplepaySandbox, EXAMPLEPAY_SANDBOX_KEY } from './sandbox';

/** ExamplePay's Node part: `EXAMPLEPAY_*` settings, its activities, its sandbox. */
export const examplepayAdapter = defineAdapter({
  name: 'examplepay',
  env: z.object({ EXAMPLEPAY_BASE_URL: httpUrl, EXAMPLEPAY_API_KEY: nonEmpty }),
  secrets: ['EXAMPLEPAY_API_KEY'],
  sandboxEnv: (url) => ({ EXAMPLEPAY_BASE_URL: `${url}/examplepay`, EXAMPLEPAY_API_KEY: EXAMPLEPAY_SANDBOX_KEY }),
  settings: (env, { timeoutMs }) => ({
    baseUrl: env.EXAMPLEPAY_BASE_URL,
    apiKey: env.EXAMPLEPAY_API_KEY,
    timeoutMs,
  }),
  activities: createExamplepayActivities,
  sandbox: (ctx) => createExamplepaySandbox(ctx),
});
