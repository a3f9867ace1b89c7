import { z } from 'zod';

import { currencySchema } from '../../refunds/money';
import { checkCommonFields, commonRequestFields } from '../../refunds/request-fields';

export const secpaidRefundRequestSchema = z
  .object({
    provider: z.literal('secpaid'),
    ...commonRequestFields,
    /** SecPaid's `linktopay_id` (an integer). */
    paymentId: z.string().regex(/^[1-9]\d{0,14}$/, 'must be a SecPaid pay_id (digits, no leading zero)'),
    amount: commonRequestFields.amount.extend({
      currency: currencySchema.refine((c) => c === 'EUR', { message: 'SecPaid refunds are in EUR only' }),
    }),
  })
  .strict()
  .superRefine(checkCommonFields);

/** A Secpaid refund request, as its activities receive it. */
export type SecpaidRefundRequest = z.infer<typeof secpaidRefundRequestSchema>;
