import { z } from 'zod';

import { defineAdapter } from '../adapter';
import { httpUrl, nonEmpty } from '../env';

import { createGetpaidActivities } from './activities';
import { createGetpaidSandbox, GETPAID_SANDBOX_CLIENT } from './sandbox';
import { getpaidWebhook } from './webhook';

/** GetPaid's Node part: `GETPAID_*` settings, its activities, its webhook, its sandbox. */
export const getpaidAdapter = defineAdapter({
  name: 'getpaid',
  env: z.object({
    GETPAID_BASE_URL: httpUrl,
    GETPAID_TOKEN_URL: httpUrl,
    GETPAID_AUDIENCE: z.string().min(1).default('https://api.sandbox.getpaid.io'),
    GETPAID_CLIENT_ID: nonEmpty,
    GETPAID_CLIENT_SECRET: nonEmpty,
    /** The public URL of our webhook receiver, with its secret token, that GetPaid POSTs to. */
    GETPAID_WEBHOOK_URL: httpUrl.optional(),
    /** The secret in the webhook URL (`/v1/webhooks/getpaid?token=…`): GetPaid's webhooks are unsigned. */
    GETPAID_WEBHOOK_SECRET: z.string().min(16).optional(),
  }),
  secrets: ['GETPAID_CLIENT_SECRET', 'GETPAID_WEBHOOK_SECRET'],
  redactPaths: [
    'clientSecret',
    '*.clientSecret',
    '*.*.clientSecret',
    'webhookSecret',
    '*.webhookSecret',
    '*.*.webhookSecret',
  ],
  sandboxEnv: (url) => ({
    GETPAID_BASE_URL: `${url}/getpaid`,
    GETPAID_TOKEN_URL: `${url}/getpaid/oauth/token`,
    GETPAID_CLIENT_ID: GETPAID_SANDBOX_CLIENT.clientId,
    GETPAID_CLIENT_SECRET: GETPAID_SANDBOX_CLIENT.clientSecret,
  }),
  settings: (env, { timeoutMs }) => ({
    baseUrl: env.GETPAID_BASE_URL,
    tokenUrl: env.GETPAID_TOKEN_URL,
    audience: env.GETPAID_AUDIENCE,
    clientId: env.GETPAID_CLIENT_ID,
    clientSecret: env.GETPAID_CLIENT_SECRET,
    timeoutMs,
    webhookUrl: env.GETPAID_WEBHOOK_URL,
    webhookSecret: env.GETPAID_WEBHOOK_SECRET,
  }),
  activities: createGetpaidActivities,
  webhook: { receiver: getpaidWebhook, secret: (settings) => settings.webhookSecret },
  sandbox: (ctx) => createGetpaidSandbox(ctx),
});
