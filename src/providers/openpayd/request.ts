import { z } from 'zod';

import { checkCommonFields, commonRequestFields } from '../../refunds/request-fields';

export const openpaydRefundRequestSchema = z
  .object({
    provider: z.literal('openpayd'),
    ...commonRequestFields,
    /** OpenPayd's transaction id ("Char 32"). */
    paymentId: z.string().trim().min(1).max(32),
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
