import { z } from 'zod';

import { moneySchema } from './money';

/**
 * Text that is safe everywhere a refund's fields go: workflow ids, search attributes, logs, the
 * Temporal UI. No control characters (NUL included) and no lone UTF-16 surrogates, which cannot be
 * encoded as UTF-8: Temporal refuses them, and a refund carrying one could never start.
 */
export function isSafeText(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return false;
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);
}

/** A free-text field: trimmed, bounded, and safe (see {@link isSafeText}). */
export function safeText(max: number) {
  return z
    .string()
    .max(max)
    .refine(isSafeText, { message: 'must not contain control characters or unpaired surrogates' });
}

/**
 * An identifier of the provider's: a documented character set (letters, digits, `_ . : -`) and
 * length, so it is safe in a workflow id (`payment-<provider>-<paymentId>`) and in a visibility query.
 */
export function providerIdSchema(max: number, message = `must be 1-${max} letters, digits, "_", ".", ":" or "-"`) {
  return z.string().regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,${max - 1}}$`), message);
}

/** The fields every refund request has, whatever its provider. */
export const refundIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'may contain only letters, digits, "_" and "-"');

export const commonRequestFields = {
  /** The caller's idempotency key: one refundId is one refund, however often it is sent. */
  refundId: refundIdSchema,
  /** The provider's identifier of the payment being refunded; each provider narrows it to its own form. */
  paymentId: providerIdSchema(100),
  /** How much to refund. For a full refund this is the full amount, stated so it can be checked. */
  amount: moneySchema,
  /** Refund everything that is refundable; providers that take no amount for full refunds get none. */
  full: z.boolean().default(false),
  reason: safeText(200).optional(),
  /** Who asked (a service or a person), recorded in the refund's history. */
  requestedBy: safeText(100).trim().min(1).default('api'),
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
