import { z } from 'zod';

import { checkCommonFields, commonRequestFields, providerIdSchema } from '../../../src/refunds/request-fields';

/** ExamplePay's branch of the refund request (its line in the request list is the test's `jest.mock` of `requests.ts`). */
export const examplepayRefundRequestSchema = z
  .object({
    provider: z.literal('examplepay'),
    ...commonRequestFields,
    paymentId: providerIdSchema(40),
  })
  .strict()
  .superRefine(checkCommonFields);
export type ExamplepayRefundRequest = z.infer<typeof examplepayRefundRequestSchema>;
