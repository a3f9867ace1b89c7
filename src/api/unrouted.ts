import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { sendProblem } from './problem';

/**
 * Answers for a request no route takes: 405 with `Allow` when the path is a route's under another
 * method (RFC 9110), else a 404, both as problems. `routeMethods` learns the routes as they
 * register, segment by segment as the router reads a path (an encoded `/` stays inside its
 * segment); call it before registering any.
 */
export function unroutedAnswer(app: FastifyInstance): (req: FastifyRequest, reply: FastifyReply) => FastifyReply {
  const methodsOf = routeMethods(app);
  return (req, reply) => {
    const allowed = methodsOf(req.url);
    if (allowed.length === 0) {
      return sendProblem(reply, { title: 'Not found', status: 404, detail: `no route ${req.method} for this path` });
    }
    return sendProblem(reply.header('allow', allowed.join(', ')), {
      title: 'Method not allowed',
      status: 405,
      detail: `this path takes ${allowed.join(', ')}`,
    });
  };
}

function routeMethods(app: FastifyInstance): (url: string) => string[] {
  const routes: { segments: string[]; method: string }[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ segments: route.url.split('/'), method });
    }
  });
  const matches = (pattern: string[], given: string[]): boolean =>
    pattern.length === given.length &&
    pattern.every((part, i) => (part.startsWith(':') ? (given[i] ?? '') !== '' : part === given[i]));
  return (url) => {
    let given: string[];
    try {
      given = (url.split(/[?#]/)[0] ?? '').split('/').map(decodeURIComponent);
    } catch {
      return [];
    }
    return [...new Set(routes.filter((r) => matches(r.segments, given)).map((r) => r.method))];
  };
}
