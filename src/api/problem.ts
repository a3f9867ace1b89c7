import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/** An RFC 9457 problem: every error the API answers, naming the fields at fault. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

const problemTitles: Readonly<Record<number, string>> = {
  400: 'The request is invalid; `errors` names each field',
  401: 'No valid bearer token',
  403: 'The token lacks the scope this route needs',
  404: 'No such refund or route',
  409: 'Refused: a conflicting request, or an action the refund does not allow now',
  413: 'The body is too large',
  415: 'The body is not JSON in UTF-8',
  429: 'Too many requests',
  503: 'Temporal cannot be reached; retry later',
};

/** The problem answers a route declares in the OpenAPI document, all with the problem schema. */
export function errorResponses(...codes: number[]): Record<number, z.ZodType> {
  return Object.fromEntries(codes.map((code) => [code, problemSchema.describe(problemTitles[code] ?? 'Error')]));
}

export function sendProblem(reply: FastifyReply, problem: Omit<Problem, 'type'> & { type?: string }): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ type: problem.type ?? 'about:blank', ...problem });
}

type OpenApiDoc = Record<string, unknown> & { paths?: Record<string, Record<string, unknown>> };

/** Rewrites every 4xx/5xx answer of an OpenAPI document to `application/problem+json`. */
export function problemContentTypes<D extends object>(doc: D): D {
  const paths = (doc as OpenApiDoc).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      const responses = (operation as { responses?: Record<string, { content?: Record<string, unknown> }> }).responses;
      for (const [code, response] of Object.entries(responses ?? {})) {
        const json = response.content?.['application/json'];
        if (Number(code) < 400 || json === undefined || response.content === undefined) continue;
        response.content = { 'application/problem+json': json };
      }
    }
  }
  return doc;
}
