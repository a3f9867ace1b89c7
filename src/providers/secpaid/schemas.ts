import { z } from 'zod';

/** SecPaid's envelope on every answer; `ResponseCode` is 1 or 0 (sent as a number, accepted as a string). */
export const secpaidEnvelopeSchema = z.object({
  ResponseCode: z.union([z.literal(0), z.literal(1), z.literal('0'), z.literal('1')]).transform(Number),
  ResponseMsg: z.string(),
  Result: z.string().optional(),
  ServerTime: z.string().optional(),
});

/** One `getPayInTransactions` row: every number is a string. */
export const secpaidTransactionSchema = z.object({
  pay_id: z.union([z.string(), z.number()]).transform(String),
  transaction_id: z.string(),
  amount: z.union([z.string(), z.number()]).transform(String),
  transaction_type: z.string(),
  is_refund: z.union([z.string(), z.boolean()]).transform(String).optional(),
  status: z.string().optional(),
  created_at: z.string().optional(),
});

export const secpaidTransactionsSchema = secpaidEnvelopeSchema.extend({
  data: z.array(secpaidTransactionSchema).default([]),
  /** "The envelope may include `totalRecords`" (a string, like every number): absent, unknown. */
  totalRecords: z.union([z.string(), z.number()]).transform(Number).optional(),
});

export type SecpaidEnvelope = z.infer<typeof secpaidEnvelopeSchema>;
export type SecpaidTransaction = z.infer<typeof secpaidTransactionSchema>;
