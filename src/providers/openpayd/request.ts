import { z } from 'zod';

import { checkCommonFields, commonRequestFields, providerIdSchema } from '../../refunds/request-fields';

export const openpaydRefundRequestSchema = z
  .object({
    provider: z.literal('openpayd'),
    ...commonRequestFields,
    /** OpenPayd's transaction id ("Char 32"; its examples are digits and "-", e.g. 529-1438673740-2). */
    paymentId: providerIdSchema(32),
    /** OpenPayd's `referenceNo` (your own identifier, ≤ 32 chars); derived from the refundId when absent. */
    referenceNo: z
      .string()
      .min(1)
      .max(32)
      .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "_" and "-"')
      .optional(),
  })
  .strict()
  .superRefine(checkCommonFields);

/** A Openpayd refund request, as its activities receive it. */
export type OpenpaydRefundRequest = z.infer<typeof openpaydRefundRequestSchema>;
