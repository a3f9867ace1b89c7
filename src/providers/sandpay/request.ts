import { z } from 'zod';

import { currencySchema } from '../../refunds/money';
import { checkCommonFields, commonRequestFields, safeText } from '../../refunds/request-fields';

/** The ISO 4217 currencies of SandPay's markets (its own code "FCFA" is XOF/XAF here). */
export const SANDPAY_CURRENCIES = ['XOF', 'XAF', 'RWF'] as const;

export const sandpayRefundRequestSchema = z
  .object({
    provider: z.literal('sandpay'),
    ...commonRequestFields,
    paymentId: z.string().regex(/^TX_[A-Z0-9]{1,61}$/, 'must be a SandPay transaction id (TX_…, at most 64)'),
    amount: commonRequestFields.amount.extend({
      currency: currencySchema.refine((c) => (SANDPAY_CURRENCIES as readonly string[]).includes(c), {
        message: `SandPay refunds are in ${SANDPAY_CURRENCIES.join(', ')}`,
      }),
    }),
    /** Shown to the customer; ≤ 200 characters. */
    description: safeText(200).optional(),
  })
  .strict()
  .superRefine(checkCommonFields);

/** A Sandpay refund request, as its activities receive it. */
export type SandpayRefundRequest = z.infer<typeof sandpayRefundRequestSchema>;
