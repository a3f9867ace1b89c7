import { z } from 'zod';

import { providerNameSchema } from './providers';
import { refundStatuses } from './refunds/status';

/** Filters for listing refunds; each becomes a term of a visibility query. */
export const refundListFilterSchema = z
  .object({
    status: z.enum(refundStatuses).optional(),
    provider: providerNameSchema.optional(),
    paymentId: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'may contain only letters, digits and _ . : -')
      .optional(),
    needsAttention: z.boolean().optional(),
    /** Only refunds still running that started before this instant: those waiting since then. */
    startedBefore: z.iso.datetime().optional(),
    limit: z.number().int().min(1).max(500).default(50),
  })
  .strict();

export type RefundListFilter = z.input<typeof refundListFilterSchema>;

/** One refund as a list shows it, from its search attributes (no worker needed). */
export const refundSummarySchema = z.object({
  refundId: z.string(),
  status: z.string().optional(),
  provider: z.string().optional(),
  paymentId: z.string().optional(),
  amountMinor: z.number().optional(),
  currency: z.string().optional(),
  needsAttention: z.boolean().optional(),
  startedAt: z.string(),
  closedAt: z.string().nullable(),
});
export type RefundSummary = z.infer<typeof refundSummarySchema>;

/** The visibility query for a filter; its values are validated above, so they need no escaping. */
export function visibilityQuery(filter: z.output<typeof refundListFilterSchema>): string {
  const terms = ['WorkflowType = "refund"'];
  if (filter.status) terms.push(`RefundStatus = "${filter.status}"`);
  if (filter.provider) terms.push(`RefundProvider = "${filter.provider}"`);
  if (filter.paymentId) terms.push(`PaymentId = "${filter.paymentId}"`);
  if (filter.needsAttention !== undefined) terms.push(`NeedsAttention = ${filter.needsAttention}`);
  if (filter.startedBefore) terms.push(`StartTime < "${filter.startedBefore}"`, 'ExecutionStatus = "Running"');
  return terms.join(' AND ');
}
