import { z } from 'zod';

import { checkCommonFields, commonRequestFields, safeText } from '../../refunds/request-fields';

const routeAmount = z.number().int('must be an integer number of minor units').positive('must be greater than zero');

/** Where a partial refund's money comes from: the platform's share and each merchant's. */
export const getpaidRoutingSchema = z
  .object({
    platform: z.object({ amountMinor: routeAmount }).strict().optional(),
    merchants: z
      .array(
        z
          .object({
            accountId: z.string().regex(/^acc_[A-Za-z0-9_]+$/, 'must be a GetPaid account id (acc_…)'),
            amountMinor: routeAmount,
          })
          .strict()
      )
      .max(50)
      .optional(),
  })
  .strict();

export const getpaidRefundRequestSchema = z
  .object({
    provider: z.literal('getpaid'),
    ...commonRequestFields,
    paymentId: z.string().regex(/^pay_[a-z0-9]{26}$/, 'must be a GetPaid payment id (pay_…)'),
    /** Shown on the buyer's bank statement; GetPaid requires one (default: "Refund <refundId>"). */
    description: safeText(140).min(1).optional(),
    /** Required for a partial refund, absent for a full one; its amounts add up to `amount`. */
    routing: getpaidRoutingSchema.optional(),
  })
  .strict()
  .superRefine((req, ctx) => {
    checkCommonFields(req, ctx);
    if (req.full && req.routing) {
      ctx.addIssue({
        code: 'custom',
        path: ['routing'],
        message: 'a full refund takes no routing: GetPaid deducts from every actor',
      });
    }
    if (!req.full && !req.routing) {
      ctx.addIssue({
        code: 'custom',
        path: ['routing'],
        message: 'a partial GetPaid refund needs a routing of amounts per actor',
      });
    }
    if (req.routing) {
      const total =
        (req.routing.platform?.amountMinor ?? 0) + (req.routing.merchants ?? []).reduce((s, m) => s + m.amountMinor, 0);
      if (total !== req.amount.amountMinor) {
        ctx.addIssue({
          code: 'custom',
          path: ['routing'],
          message: `routing amounts add up to ${total}, not the refund's ${req.amount.amountMinor}`,
        });
      }
    }
  });

/** A Getpaid refund request, as its activities receive it. */
export type GetpaidRefundRequest = z.infer<typeof getpaidRefundRequestSchema>;
