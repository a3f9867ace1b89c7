import type { FastifyReply } from 'fastify';

/** An RFC 9457 problem: every error the API answers, naming the fields at fault. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

export function sendProblem(reply: FastifyReply, problem: Omit<Problem, 'type'> & { type?: string }): FastifyReply {
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({ type: problem.type ?? 'about:blank', ...problem });
}
