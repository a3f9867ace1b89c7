import type { z } from 'zod';

import type { commonRequestFields } from './request-fields';

export { refundIdSchema } from './request-fields';

/**
 * What every refund request is, whatever its provider: the fields the domain reads. The request
 * a backend sends is one branch per provider (src/providers: each folder defines its own, with
 * what only that provider needs); the domain never needs to know which.
 */
export type RefundRequestFields = z.infer<z.ZodObject<{ provider: z.ZodString } & typeof commonRequestFields>>;

/** Thrown at a boundary for a request that fails validation; names every offending field. */
export class InvalidRefundRequestError extends Error {
  constructor(readonly issues: readonly { readonly field: string; readonly message: string }[]) {
    super(`Invalid refund request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidRefundRequestError';
  }
}

/** The value `schema` gives `input`, or an {@link InvalidRefundRequestError} naming each bad field. */
export function parseRequestWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
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
