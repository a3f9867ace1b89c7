import { z } from 'zod';

import { moneySchema } from './money';

/** The fields every refund request has, whatever its provider. */
export const refundIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'may contain only letters, digits, "_" and "-"');

export const commonRequestFields = {
  /** The caller's idempotency key: one refundId is one refund, however often it is sent. */
  refundId: refundIdSchema,
  /** The provider's identifier of the payment being refunded. */
  paymentId: z.string().trim().min(1).max(100),
  /** How much to refund. For a full refund this is the full amount, stated so it can be checked. */
  amount: moneySchema,
  /** Refund everything that is refundable; providers that take no amount for full refunds get none. */
  full: z.boolean().default(false),
  reason: z.string().max(200).optional(),
  /** Who asked (a service or a person), recorded in the refund's history. */
  requestedBy: z.string().trim().min(1).max(100).default('api'),
  /** Where the backend wants the signed completion event. */
  callbackUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
  /**
   * The payment's original amount, when the caller knows it: the per-payment guard then refuses a
   * refund that would take the payment's refunds past it. Without it, only the provider checks.
   */
  paymentAmount: moneySchema.optional(),
};

/** Cross-field checks every provider's request shares. */
export function checkCommonFields(
  req: {
    amount: { amountMinor: number; currency: string };
    paymentAmount?: { amountMinor: number; currency: string } | undefined;
  },
  ctx: z.RefinementCtx
): void {
  if (req.paymentAmount === undefined) return;
  if (req.paymentAmount.currency !== req.amount.currency) {
    ctx.addIssue({
      code: 'custom',
      path: ['paymentAmount', 'currency'],
      message: `must be the refund's currency (${req.amount.currency})`,
    });
  } else if (req.amount.amountMinor > req.paymentAmount.amountMinor) {
    ctx.addIssue({
      code: 'custom',
      path: ['amount', 'amountMinor'],
      message: `exceeds the payment amount (${req.paymentAmount.amountMinor})`,
    });
  }
}
