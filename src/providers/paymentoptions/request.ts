import { z } from 'zod';

import { checkCommonFields, commonRequestFields } from '../../refunds/request-fields';

export const paymentoptionsRefundRequestSchema = z
  .object({
    provider: z.literal('paymentoptions'),
    ...commonRequestFields,
    /** The captured transaction's id (a UUID). */
    paymentId: z.uuid('must be a PaymentOptions transaction id (UUID)'),
    /** The merchant's DASMID, ≤ 10 characters. */
    merchantId: z.string().regex(/^[A-Za-z0-9_-]{1,10}$/, 'must be a DASMID: 1-10 letters, digits, "_" or "-"'),
  })
  .strict()
  .superRefine(checkCommonFields);

/** A Paymentoptions refund request, as its activities receive it. */
export type PaymentoptionsRefundRequest = z.infer<typeof paymentoptionsRefundRequestSchema>;
