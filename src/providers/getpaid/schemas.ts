import { z } from 'zod';

export const getpaidTokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().int().positive(),
});

export const getpaidRefundStatusSchema = z.enum(['initiated', 'completed', 'failed', 'declined']);

/** `POST /refunds` answer. */
export const getpaidCreatedSchema = z.object({
  id: z.string().regex(/^rfd_/),
  status: getpaidRefundStatusSchema,
});

/** `GET /refunds/{id}`. */
export const getpaidRefundSchema = z.object({
  id: z.string(),
  status: getpaidRefundStatusSchema,
  amount_minor: z.number().int().optional(),
  reason: z.object({ code: z.string(), description: z.string().optional() }).nullable().optional(),
});

/**
 * `GET /payments/{id}`: only a refunds list is read, to find ours by reference. The legacy docs do
 * not describe one (ASSUMPTIONS.md): without it, nothing is found, and nothing is resent.
 */
export const getpaidPaymentSchema = z.object({
  id: z.string(),
  refunds: z
    .array(z.object({ id: z.string(), status: getpaidRefundStatusSchema, reference: z.string().nullable().optional() }))
    .optional(),
});

/** RFC 7807 problem details, with GetPaid's `errors` map on 422. */
export const getpaidProblemSchema = z.object({
  title: z.string().optional(),
  status: z.number().int().optional(),
  detail: z.string().optional(),
  errors: z.record(z.string(), z.array(z.string())).optional(),
});

export type GetpaidRefund = z.infer<typeof getpaidRefundSchema>;
export type GetpaidProblem = z.infer<typeof getpaidProblemSchema>;
