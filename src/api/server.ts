import swagger from '@fastify/swagger';
import { status as grpcStatus } from '@grpc/grpc-js';
import { WorkflowNotFoundError } from '@temporalio/client';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { callbackUrlProblem } from '../callbacks/destination';
import type { CallbackDestinationPolicy } from '../callbacks/destination';
import { RefundConflictError } from '../client';
import type { RefundsClient } from '../client';
import type { ResolveAction } from '../refunds/actions';
import { operatorActionSchema, resolveActionSchema } from '../refunds/operator';
import { refundListFilterSchema, refundSummarySchema } from '../refund-list';
import { fieldErrors, refundIdSchema } from '../refunds/request';
import { refundRequestSchema } from '../providers';
import { refundStatuses } from '../refunds/status';

import { authenticate, requireRouteAuth } from './auth';
import { registerCodecEndpoint } from './codec';
import type { CodecEndpointDeps } from './codec';
import { errorResponses, problemContentTypes, sendProblem } from './problem';
import type { ApiToken } from './tokens';
import { unroutedAnswer } from './unrouted';
import { registerProviderWebhooks } from './webhooks';

export interface ApiDeps {
  readonly refunds: RefundsClient;
  /** Bearer tokens with their scopes; empty runs the API open (development on loopback only: main refuses otherwise). */
  readonly tokens: readonly ApiToken[];
  /** The secret in each provider webhook's URL, by provider (config: `api.webhookSecrets`). */
  readonly webhookSecrets: Readonly<Record<string, string | undefined>>;
  readonly logger?: FastifyBaseLogger;
  /** Where `callbackUrl` may point; by default public https hosts only. */
  readonly callbackPolicy?: CallbackDestinationPolicy;
  /** With payload encryption: the codec endpoint for the Temporal UI. */
  readonly codec?: CodecEndpointDeps;
}

const params = z.object({ refundId: refundIdSchema });
const listQuery = refundListFilterSchema.extend({
  needsAttention: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
const startedSchema = z.object({
  refundId: z.string(),
  workflowId: z.string(),
  created: z.boolean(),
  status: z.enum(refundStatuses).or(z.string()),
  /** With `Prefer: wait`: the whole state of a refund that ended within the wait. */
  state: z.record(z.string(), z.unknown()).optional(),
});
const actionResultSchema = z.object({ accepted: z.boolean(), note: z.string(), status: z.string() });
/** The `state` query's answer; its full shape is `RefundState` (src/refunds/state.ts). */
const refundStateSchema = z.looseObject({ refundId: z.string(), provider: z.string(), status: z.string() });
const refundListSchema = z.object({ refunds: z.array(refundSummarySchema) });
/** RFC 7240 `Prefer`; only `wait` is understood, and other preferences are ignored as the RFC asks. */
const preferHeaders = z.object({ prefer: z.string().max(200).optional() }).loose();
const MAX_WAIT_SECONDS = 60;

/** `wait=<seconds>` from a Prefer header, capped; undefined when the caller asked for no wait. */
function preferredWait(prefer: string | undefined): number | undefined {
  const match = /(?:^|[,;\s])wait\s*=\s*(\d{1,6})(?:$|[,;\s])/i.exec(prefer ?? '');
  if (!match?.[1]) return undefined;
  return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
}

/** What a log line says of a request: never its query string or headers (secrets travel there). */
function requestForLog(req: FastifyRequest): Record<string, unknown> {
  return { method: req.method, url: req.url.split('?')[0], remoteAddress: req.ip };
}

/** Temporal could not be reached: the caller should retry (a webhook sender will). */
function isTemporalUnavailable(err: unknown): boolean {
  const retryLater: readonly number[] = [grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && retryLater.includes(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The HTTP API (docs/contract.md): start, read, list and act on refunds, and GetPaid's webhook. The zod
 * schemas are the single definition of every body; the OpenAPI document at `/openapi.json` is
 * generated from them.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Request lines without their query string: the GetPaid webhook URL carries its secret there.
    loggerInstance: deps.logger?.child({}, { serializers: { req: requestForLog } }),
    bodyLimit: 256 * 1024,
    // A long path parameter reaches the route's schema (a 400 naming the field), not Fastify's 414.
    routerOptions: { maxParamLength: 4096 },
    // `__proto__` and `constructor.prototype` keys are dropped, never applied (and not a 400).
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Refund orchestrator', version: '1.0.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    // Error answers are RFC 9457 problems: the document says so, as the answers do.
    transformObject: (doc) => problemContentTypes('openapiObject' in doc ? doc.openapiObject : doc.swaggerObject),
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      return sendProblem(reply, {
        title: 'Invalid request',
        status: 400,
        detail: `${err.validationContext ?? 'request'} failed validation`,
        errors: err.validation.flatMap((v) => {
          const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: string[] }).keys : undefined;
          return fieldErrors(
            [err.validationContext ?? '', ...String(v.instancePath).split('/')].filter(Boolean),
            v.message ?? 'invalid',
            keys
          );
        }),
      });
    }
    if (err instanceof RefundConflictError) {
      return sendProblem(reply, { title: 'Conflict', status: 409, detail: err.message });
    }
    if (err instanceof WorkflowNotFoundError) {
      return sendProblem(reply, { title: 'Not found', status: 404, detail: 'no such refund' });
    }
    if (isTemporalUnavailable(err)) {
      req.log.warn({ err }, 'Temporal unavailable');
      return sendProblem(reply, {
        title: 'Service unavailable',
        status: 503,
        detail: 'Temporal cannot be reached; retry later',
      });
    }
    if ((err.statusCode ?? 500) < 500) {
      return sendProblem(reply, { title: 'Bad request', status: err.statusCode ?? 400, detail: err.message });
    }
    req.log.error({ err }, 'unexpected error');
    return sendProblem(reply, { title: 'Internal error', status: 500 });
  });

  // Authentication hangs on each route (its `config.auth`), never on the URL's spelling: a route
  // that declares none refuses to register, so a new route cannot be left open by mistake.
  requireRouteAuth(app, authenticate(deps.tokens));
  const unrouted = unroutedAnswer(app);
  // A method no route takes is answered before any body is read; JSON is UTF-8 (RFC 8259), and a
  // body declared in another charset would be read as something else.
  app.addHook('onRequest', async (req, reply) => {
    if (!['GET', 'HEAD', 'POST', 'OPTIONS'].includes(req.method)) return unrouted(req, reply);
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
      return sendProblem(reply, { title: 'Unsupported media type', status: 415, detail: 'JSON bodies must be UTF-8' });
    }
  });
  app.setNotFoundHandler(unrouted);

  const callbackPolicy = deps.callbackPolicy ?? { allowedHosts: [], allowLoopback: false };
  const create = { auth: { scope: 'refunds:create' } } as const;
  const read = { auth: { scope: 'refunds:read' } } as const;
  const operate = { auth: { scope: 'refunds:operate' } } as const;

  app.post(
    '/v1/refunds',
    {
      config: create,
      schema: {
        body: refundRequestSchema,
        headers: preferHeaders,
        response: { 200: startedSchema, 201: startedSchema, ...errorResponses(400, 401, 403, 409, 413, 415, 503) },
        summary: 'Start a refund (idempotent on refundId)',
        description:
          'With `Prefer: wait=<seconds>` (at most 60) the answer waits for the refund to end and then carries its final `state`.',
      },
    },
    async (req, reply) => {
      const callbackProblem =
        req.body.callbackUrl === undefined ? undefined : callbackUrlProblem(req.body.callbackUrl, callbackPolicy);
      if (callbackProblem !== undefined) {
        return sendProblem(reply, {
          title: 'Invalid request',
          status: 400,
          detail: 'body failed validation',
          errors: [{ field: 'body.callbackUrl', message: callbackProblem }],
        });
      }
      const started = await deps.refunds.start(req.body, { initiatedBy: req.apiIdentity });
      const waitSeconds = preferredWait(req.headers.prefer);
      const ended =
        waitSeconds === undefined ? undefined : await deps.refunds.outcomeWithin(req.body.refundId, waitSeconds * 1000);
      if (waitSeconds !== undefined) reply.header('preference-applied', `wait=${waitSeconds}`);
      return reply.code(started.created ? 201 : 200).send({
        refundId: req.body.refundId,
        workflowId: started.workflowId,
        created: started.created,
        status: ended?.status ?? started.status,
        ...(ended !== undefined && { state: { ...ended } }),
      });
    }
  );

  app.get(
    '/v1/refunds/:refundId',
    {
      config: read,
      schema: {
        params,
        summary: "A refund's whole state",
        response: { 200: refundStateSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (req) => ({ ...(await deps.refunds.get(req.params.refundId)) })
  );

  app.get(
    '/v1/refunds',
    {
      config: read,
      schema: {
        querystring: listQuery,
        summary: 'Refunds by status, provider, payment, attention',
        response: { 200: refundListSchema, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (req) => ({
      refunds: await deps.refunds.list(req.query),
    })
  );

  const actions = ['approve', 'cancel', 'escalate', 'resolve'] as const;
  for (const action of actions) {
    app.post(
      `/v1/refunds/:refundId/${action}`,
      {
        config: operate,
        schema: {
          params,
          body: action === 'resolve' ? resolveActionSchema : operatorActionSchema,
          response: { 200: actionResultSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503) },
          summary: action === 'resolve' ? 'Resolve a refund that needs attention' : `${action} a refund`,
        },
      },
      async (req, reply) => {
        // The authenticated identity travels beside the free-text `by`; the body cannot claim one.
        const actor = req.apiIdentity;
        const result =
          action === 'resolve'
            ? // The route's body schema for `resolve` is resolveActionSchema: validated already.
              await deps.refunds.resolve(req.params.refundId, req.body as ResolveAction, { actor })
            : await deps.refunds[action](req.params.refundId, req.body, { actor });
        if (!result.accepted) {
          // A refused update leaves nothing in the refund's history: this line is its record.
          req.log.info(
            { refundId: req.params.refundId, action, actor, by: req.body.by, note: result.note },
            'operator action refused'
          );
          return sendProblem(reply, { title: `${action} refused`, status: 409, detail: result.note });
        }
        return result;
      }
    );
  }

  if (deps.codec) await registerCodecEndpoint(app, deps.codec);
  registerProviderWebhooks(app, {
    secrets: deps.webhookSecrets,
    refunds: deps.refunds,
    isTemporalUnavailable,
    logger: app.log,
  });

  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
  // Probed every few hundred milliseconds by supervisors and load balancers: not a line each time.
  app.get('/healthz', { config: { auth: 'public' }, schema: { hide: true }, logLevel: 'warn' }, async () => ({
    ok: true,
  }));
  return app;
}
