import { z } from 'zod';

import { defineAdapter } from '../adapter';
import { httpUrl, nonEmpty } from '../env';

import { createPaymentoptionsActivities } from './activities';
import { createPaymentoptionsSandbox, PAYMENTOPTIONS_SANDBOX_KEY } from './sandbox';

/** PaymentOptions' Node part: `PAYMENTOPTIONS_*` settings, its activities, its sandbox. */
export const paymentoptionsAdapter = defineAdapter({
  name: 'paymentoptions',
  env: z.object({
    PAYMENTOPTIONS_BASE_URL: httpUrl,
    PAYMENTOPTIONS_API_KEY: nonEmpty,
    PAYMENTOPTIONS_AMOUNT_UNIT: z.enum(['minor', 'major']).default('minor'),
  }),
  secrets: ['PAYMENTOPTIONS_API_KEY'],
  sandboxEnv: (url) => ({
    PAYMENTOPTIONS_BASE_URL: `${url}/paymentoptions`,
    PAYMENTOPTIONS_API_KEY: PAYMENTOPTIONS_SANDBOX_KEY,
  }),
  settings: (env, { timeoutMs }) => ({
    baseUrl: env.PAYMENTOPTIONS_BASE_URL,
    apiKey: env.PAYMENTOPTIONS_API_KEY,
    amountUnit: env.PAYMENTOPTIONS_AMOUNT_UNIT,
    timeoutMs,
  }),
  activities: createPaymentoptionsActivities,
  sandbox: (ctx) => createPaymentoptionsSandbox(ctx),
});
