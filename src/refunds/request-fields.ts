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
  /** Where the backend wants the signed completion event (issue: completion callback). */
  callbackUrl: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .optional(),
};
