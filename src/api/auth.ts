import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

import { sendProblem } from './problem';
import { apiTokenFinder } from './tokens';
import type { ApiScope, ApiToken } from './tokens';

/**
 * What a route demands of its caller, declared in the route's own `config.auth`:
 * - `{ scope }`: a bearer token carrying that scope;
 * - `'secret-in-url'`: the route checks a secret of its own (GetPaid's webhook, which cannot send
 *   a bearer token);
 * - `'public'`: nothing (health, the OpenAPI document).
 */
export type RouteAuth = { readonly scope: ApiScope } | 'secret-in-url' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    /** The authenticated caller: the token's name; `undefined` on an open development API. */
    apiIdentity: string | undefined;
  }
}

/** The check for one scope; answers 401 without a valid token and 403 without the scope. */
export type Authenticator = (scope: ApiScope) => onRequestHookHandler;

export function authenticate(tokens: readonly ApiToken[]): Authenticator {
  const findToken = apiTokenFinder(tokens);
  return (scope) =>
    async function bearerAuth(req: FastifyRequest, reply: FastifyReply) {
      // No tokens: the development API, which main binds to loopback only and announces as open.
      if (tokens.length === 0) return;
      const token = findToken(req.headers.authorization);
      if (token === undefined) {
        return sendProblem(reply.header('www-authenticate', 'Bearer'), {
          title: 'Unauthorized',
          status: 401,
          detail: 'a valid bearer token is required',
        });
      }
      if (!token.scopes.includes(scope)) {
        return sendProblem(reply, { title: 'Forbidden', status: 403, detail: `this token lacks the scope ${scope}` });
      }
      req.apiIdentity = token.name;
    };
}

/**
 * Attaches each route's authentication to the route itself, whatever path spelling reaches it
 * (percent-encoding, case, slashes: the router decides which route runs, and that route carries its
 * check). Must be called before any route is registered; a route without `config.auth` throws at
 * start-up. CORS preflights (OPTIONS) carry no credentials by design and answer nothing but headers.
 */
export function requireRouteAuth(app: FastifyInstance, check: Authenticator): void {
  app.decorateRequest('apiIdentity', undefined);
  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth;
    const methods = [route.method].flat();
    if (auth === undefined) {
      if (methods.every((m) => m === 'OPTIONS')) return;
      throw new Error(`route ${methods.join(',')} ${route.url} declares no config.auth`);
    }
    if (auth === 'public' || auth === 'secret-in-url') return;
    const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [check(auth.scope), ...existing];
  });
}
