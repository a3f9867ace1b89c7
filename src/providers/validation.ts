import type { z } from 'zod';

import { ProviderCallError } from './http';
import type { ProviderHttpResponse } from './http';

/** Validates a provider's answer; an unexpected shape is an error naming each field, never a success. */
export function parseProviderBody<S extends z.ZodType>(provider: string, schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new ProviderCallError('invalid-body', `${provider} answered with an unexpected body: ${fields}`);
}

/** A provider's answer: the 2xx body, or for a 4xx the provider's own error body. */
export type ProviderAnswer<T, E> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number; readonly error: E };

/** Validates an answer against the schema of its kind: success for 2xx, the provider's error for 4xx. */
export function parseProviderAnswer<S extends z.ZodType, E extends z.ZodType>(
  provider: string,
  response: ProviderHttpResponse,
  schema: S,
  errorSchema: E
): ProviderAnswer<z.infer<S>, z.infer<E>> {
  if (response.status >= 400) {
    return { ok: false, status: response.status, error: parseProviderBody(provider, errorSchema, response.json ?? {}) };
  }
  return { ok: true, value: parseProviderBody(provider, schema, response.json) };
}
