import { z } from 'zod';

/** A provider's base URL in the environment: http(s), without a trailing slash. */
export const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

/** A credential or other text setting that must be there (outside production the sandbox's is filled in). */
export const nonEmpty = z.string().min(1);
