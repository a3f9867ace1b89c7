import { z } from 'zod';

import { safeName } from './request-fields';

/** An operator action as callers send it (HTTP, CLI, client): the single definition of its shape. */
export const operatorActionSchema = z
  .object({
    reason: safeName(500),
    by: safeName(100),
  })
  .strict();

export const resolveActionSchema = operatorActionSchema.extend({ outcome: z.enum(['SUCCEEDED', 'FAILED']) }).strict();
