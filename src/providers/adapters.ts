import { getpaidAdapter } from './getpaid/adapter';
import { openpaydAdapter } from './openpayd/adapter';
import { paymentoptionsAdapter } from './paymentoptions/adapter';
import { sandpayAdapter } from './sandpay/adapter';
import { secpaidAdapter } from './secpaid/adapter';

/**
 * Every provider's Node part: the only list of them. Config (environment, settings, secrets),
 * the workers' activities and task queues, the API's webhooks and the sandbox are derived from it
 * (`./settings.ts`, src/worker.ts, src/api/webhooks.ts, src/sandbox/server.ts). It names the same
 * providers as `registry.ts`; src/providers/settings.ts checks that at start.
 */
export const adapters = [
  secpaidAdapter,
  sandpayAdapter,
  paymentoptionsAdapter,
  openpaydAdapter,
  getpaidAdapter,
] as const;
