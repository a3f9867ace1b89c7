import { z } from 'zod';

/**
 * OpenPayd PSP `/pw/v3` answers. The docs' own examples disagree on types ("code": "00" as a string
 * when approved, 32 as a number when declined; "amount": "1234" as a string), so both are accepted
 * and normalised here, once.
 */

const code = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
  .transform((c) => String(c).padStart(2, '0'));

const minorUnits = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number);

export const openpaydAnswerSchema = z.object({
  code,
  status: z.enum(['APPROVED', 'DECLINED', 'PENDING']),
  message: z.string(),
  transactionId: z.string().optional(),
  referenceNo: z.string().optional(),
  amount: minorUnits.optional(),
  currency: z.string().length(3).optional(),
  date: z.number().int().optional(),
  isLive: z.boolean().optional(),
});

export type OpenpaydAnswer = z.infer<typeof openpaydAnswerSchema>;

/** The refund call's parameters (sent form-encoded, `apiKey` added by the client). */
export interface OpenpaydRefundParams {
  readonly transactionId: string;
  readonly referenceNo: string;
  /** Omitted, with `currency`, for a full refund, as the docs require. */
  readonly amountMinor?: number;
  readonly currency?: string;
}
