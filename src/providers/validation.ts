import type { z } from 'zod';

import { ProviderCallError } from './http';

/** Validates a provider's answer; an unexpected shape is an error naming each field, never a success. */
export function parseProviderBody<S extends z.ZodType>(provider: string, schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new ProviderCallError('invalid-body', `${provider} answered with an unexpected body: ${fields}`);
}
