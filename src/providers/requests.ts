import { getpaidRefundRequestSchema } from './getpaid/request';
import { openpaydRefundRequestSchema } from './openpayd/request';
import { paymentoptionsRefundRequestSchema } from './paymentoptions/request';
import { sandpayRefundRequestSchema } from './sandpay/request';
import { secpaidRefundRequestSchema } from './secpaid/request';

/**
 * Every provider's request schema (its folder's `request.ts`), for the boundaries that check a
 * request before anything starts: the only list of them. `./index.ts` derives the request union
 * and checks that it names the same providers as `registry.ts`. Not imported by workflow code
 * (zod there is evaluated for each workflow a worker caches).
 */
export const requestSchemas = [
  secpaidRefundRequestSchema,
  sandpayRefundRequestSchema,
  paymentoptionsRefundRequestSchema,
  openpaydRefundRequestSchema,
  getpaidRefundRequestSchema,
] as const;
