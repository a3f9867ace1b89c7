import { z } from 'zod';

const code = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform(Number);

/**
 * A PaymentOptions answer (refund or status read). Only what the orchestrator needs is kept: the
 * documented body also carries card details, which zod strips here and which never go further.
 */
export const paymentoptionsAnswerSchema = z.object({
  success: z.boolean(),
  status_code: z.number().int().optional(),
  transaction_type: z.string().optional(),
  message: z.string().optional(),
  gateway_response: z.object({ message: z.string().optional(), code: z.string().optional() }).optional(),
  payment_details: z
    .object({
      amount: z.union([z.number(), z.string()]).optional(),
      response_code: code,
      responseDescription: z.string().optional(),
      currency: z.string().optional(),
    })
    .optional(),
  transaction_details: z.object({ id: z.string().min(1) }).optional(),
});

export type PaymentoptionsAnswer = z.infer<typeof paymentoptionsAnswerSchema>;
