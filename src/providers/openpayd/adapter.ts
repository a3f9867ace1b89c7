import { z } from 'zod';

import { defineAdapter } from '../adapter';
import { httpUrl, nonEmpty } from '../env';

import { createOpenpaydActivities } from './activities';
import { createOpenpaydSandbox, OPENPAYD_SANDBOX_KEY } from './sandbox';

/** OpenPayd's Node part: `OPENPAYD_*` settings, its activities, its sandbox. */
export const openpaydAdapter = defineAdapter({
  name: 'openpayd',
  env: z.object({
    OPENPAYD_BASE_URL: httpUrl,
    OPENPAYD_API_KEY: nonEmpty,
    /** Its own call timeout, when PROVIDER_TIMEOUT_MS does not suit it. */
    OPENPAYD_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  }),
  secrets: ['OPENPAYD_API_KEY'],
  sandboxEnv: (url) => ({ OPENPAYD_BASE_URL: `${url}/openpayd`, OPENPAYD_API_KEY: OPENPAYD_SANDBOX_KEY }),
  settings: (env, { timeoutMs }) => ({
    baseUrl: env.OPENPAYD_BASE_URL,
    apiKey: env.OPENPAYD_API_KEY,
    timeoutMs: env.OPENPAYD_TIMEOUT_MS ?? timeoutMs,
  }),
  activities: createOpenpaydActivities,
  sandbox: (ctx) => createOpenpaydSandbox(ctx),
});
