import { z } from 'zod';

import { checkCommonFields, commonRequestFields } from '../../refunds/request-fields';

export const paymentoptionsRefundRequestSchema = z
  .object({
    provider: z.literal('paymentoptions'),
    ...commonRequestFields,
    /** The captured transaction's id (a UUID). */
    paymentId: z.uuid('must be a PaymentOptions transaction id (UUID)'),
    /** The merchant's DASMID, ≤ 10 characters. */
    merchantId: z.string().trim().min(1).max(10),
  })
  .strict()
  .superRefine(checkCommonFields);
