import { z } from 'zod';

import { moneySchema } from './money';

/**
 * Text that is safe everywhere a refund's fields go: workflow ids, search attributes, logs, the
 * Temporal UI. No control characters (NUL included) and no unpaired UTF-16 surrogates, which
 * cannot be encoded as UTF-8: Temporal refuses them, and a refund carrying one could never start.
 * As a pattern, so that the OpenAPI document states the rule: with the `u` flag
 * (and in JSON Schema, which counts code points) `[\ud800-\udfff]` matches only a surrogate that is
 * not half of a pair, so emoji and every other character outside the BMP stay allowed.
 */
/* eslint-disable no-control-regex -- these patterns exist to refuse control characters */
const SAFE_TEXT = /^[^\u0000-\u001f\u007f-\u009f\ud800-\udfff]*$/u;
const SAFE_NAME =
  /^[^\u0000-\u001f\u007f-\u009f\ud800-\udfff]*[^\s\u0000-\u001f\u007f-\u009f\ud800-\udfff][^\u0000-\u001f\u007f-\u009f\ud800-\udfff]*$/u;
/* eslint-enable no-control-regex */
const SAFE_MESSAGE = 'must not contain control characters or unpaired surrogates';

/** A free-text field: bounded and safe (see {@link SAFE_TEXT}). */
export function safeText(max: number) {
  return z.string().max(max).regex(SAFE_TEXT, SAFE_MESSAGE);
}

/** A name or reason: safe text with at least one character that is not white space, trimmed. */
export function safeName(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(SAFE_NAME, `must contain a visible character, and ${SAFE_MESSAGE.replace('must ', '')}`)
    .trim();
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
  requestedBy: safeName(100).default('api'),
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
