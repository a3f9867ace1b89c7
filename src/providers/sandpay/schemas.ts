import { z } from 'zod';

export const sandpayStatusSchema = z.enum([
  'SUCCESS',
  'PIN_INVALID',
  'INSUFFICIENT_FUNDS',
  'TIMEOUT',
  'ACCOUNT_BLOCKED',
  'USER_CANCELLED',
  'UNKNOWN_MSISDN',
  'LIMIT_EXCEEDED',
  'SERVICE_UNAVAILABLE',
  'DUPLICATE_REFERENCE',
  'PENDING',
]);
export type SandpayStatus = z.infer<typeof sandpayStatusSchema>;

/** `POST /v1/payments/{id}/refund` answer (snake_case). */
export const sandpayRefundAnswerSchema = z.object({
  tx_id: z.string().regex(/^TX_[A-Z0-9]+$/),
  type: z.literal('refund').optional(),
  status: sandpayStatusSchema,
  amount: z.number().int().positive(),
  parent_tx_id: z.string(),
  refunded_total: z.number().optional(),
  refundable_remaining: z.number().optional(),
  merchant_balance_after: z.number().optional(),
  idempotent: z.boolean().optional(),
});

/** `GET /v1/payments/{id}` (camelCase). */
export const sandpayPaymentSchema = z.object({
  id: z.string(),
  type: z.enum(['collection', 'refund', 'disbursement']),
  /** Inferred, not documented: without it the read tells nothing (read again, then a person). */
  status: sandpayStatusSchema.optional(),
  amount: z.number().int(),
  parentTxId: z.string().nullable().optional(),
});

/** Every SandPay error: `{error, message, detail}`. */
export const sandpayErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  detail: z.unknown().optional(),
});

export type SandpayRefundAnswer = z.infer<typeof sandpayRefundAnswerSchema>;
export type SandpayPayment = z.infer<typeof sandpayPaymentSchema>;
export type SandpayError = z.infer<typeof sandpayErrorSchema>;
