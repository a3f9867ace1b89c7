import { z } from 'zod';

import { getpaidRefundRequestSchema } from '../providers/getpaid/request';
import { openpaydRefundRequestSchema } from '../providers/openpayd/request';
import { paymentoptionsRefundRequestSchema } from '../providers/paymentoptions/request';
import { sandpayRefundRequestSchema } from '../providers/sandpay/request';
import { secpaidRefundRequestSchema } from '../providers/secpaid/request';

export { refundIdSchema } from './request-fields';

/**
 * A refund request as a backend sends it: the single definition of its shape, checked at every
 * boundary (client, HTTP API, CLI) before anything is started. One branch per provider, chosen by
 * `provider`, each defined in its provider's folder with what only that provider needs.
 */
export const refundRequestSchema = z.discriminatedUnion('provider', [
  secpaidRefundRequestSchema,
  sandpayRefundRequestSchema,
  paymentoptionsRefundRequestSchema,
  openpaydRefundRequestSchema,
  getpaidRefundRequestSchema,
]);

/** A request after validation, defaults applied: what the workflow receives. */
export type RefundRequest = z.infer<typeof refundRequestSchema>;
/** What a caller may send (defaults not yet applied). */
export type RefundRequestInput = z.input<typeof refundRequestSchema>;
export type ProviderName = RefundRequest['provider'];
export type RequestOf<P extends ProviderName> = Extract<RefundRequest, { provider: P }>;

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
    result.error.issues.flatMap((issue) =>
      fieldErrors(
        issue.path.map(String),
        issue.message,
        issue.code === 'unrecognized_keys' ? issue.keys : undefined
      ).map((e) => ({ ...e, field: e.field || '(body)' }))
    )
  );
}

/**
 * One error per field: an unknown key is named by its own path (`amount.extra`), not by the
 * object that holds it, so the caller sees which field to remove.
 */
export function fieldErrors(
  path: readonly string[],
  message: string,
  unknownKeys: readonly string[] | undefined
): { field: string; message: string }[] {
  if (unknownKeys === undefined || unknownKeys.length === 0) return [{ field: path.join('.'), message }];
  return unknownKeys.map((key) => ({ field: [...path, key].join('.'), message: 'unknown field' }));
}
