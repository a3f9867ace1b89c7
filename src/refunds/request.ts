import { z } from 'zod';

import { moneySchema } from './money';

/**
 * A refund request as a backend sends it: the single definition of its shape, checked at every
 * boundary (client, HTTP API, CLI) before anything is started. One branch per provider, chosen by
 * `provider`, carries what only that provider needs.
 */

export const refundIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'may contain only letters, digits, "_" and "-"');

const commonFields = {
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
};

export const openpaydRefundRequestSchema = z
  .object({
    provider: z.literal('openpayd'),
    ...commonFields,
    /** OpenPayd's `referenceNo` (your own identifier, ≤ 32 chars); derived from the refundId when absent. */
    referenceNo: z
      .string()
      .min(1)
      .max(32)
      .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "_" and "-"')
      .optional(),
  })
  .strict();

export const refundRequestSchema = z.discriminatedUnion('provider', [openpaydRefundRequestSchema]);

/** A request after validation, defaults applied: what the workflow receives. */
export type RefundRequest = z.infer<typeof refundRequestSchema>;
/** What a caller may send (defaults not yet applied). */
export type RefundRequestInput = z.input<typeof refundRequestSchema>;
export type ProviderName = RefundRequest['provider'];

/** Thrown at a boundary for a request that fails validation; names every offending field. */
export class InvalidRefundRequestError extends Error {
  constructor(readonly issues: readonly { readonly field: string; readonly message: string }[]) {
    super(`Invalid refund request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidRefundRequestError';
  }
}

export function parseRefundRequest(input: unknown): RefundRequest {
  const result = refundRequestSchema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidRefundRequestError(
    result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }))
  );
}
