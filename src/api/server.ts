import { timingSafeEqual } from 'node:crypto';

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

import { RefundConflictError } from '../client';
import type { RefundsClient } from '../client';
import { operatorActionSchema, refundListFilterSchema, resolveActionSchema } from '../refunds/operator';
import { fieldErrors, refundIdSchema, refundRequestSchema } from '../refunds/request';
import { refundStatuses } from '../refunds/status';

import { registerCodecEndpoint } from './codec';
import type { CodecEndpointDeps } from './codec';
import { sendProblem } from './problem';
import { registerGetpaidWebhook } from './webhooks';

export interface ApiDeps {
  readonly refunds: RefundsClient;
  /** Bearer tokens for `/v1/*`; empty runs the API open (development only: main refuses otherwise). */
  readonly tokens: readonly string[];
  readonly getpaidWebhookSecret: string | undefined;
  readonly logger?: FastifyBaseLogger;
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
});
const actionResultSchema = z.object({ accepted: z.boolean(), note: z.string(), status: z.string() });

function tokenMatches(given: string, tokens: readonly string[]): boolean {
  const a = Buffer.from(given);
  return tokens.some((t) => {
    const b = Buffer.from(t);
    return a.length === b.length && timingSafeEqual(a, b);
  });
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
 * The HTTP API (CONTRACT.md): start, read, list and act on refunds, and GetPaid's webhook. The zod
 * schemas are the single definition of every body; the OpenAPI document at `/openapi.json` is
 * generated from them.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Request lines without their query string: the GetPaid webhook URL carries its secret there.
    loggerInstance: deps.logger?.child({}, { serializers: { req: requestForLog } }),
    bodyLimit: 256 * 1024,
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

  // Bearer auth for /v1/* (except the webhook receiver, which has its own secret) and /codec/*
  // (except a browser's CORS preflight, which carries no credentials).
  app.addHook('onRequest', async (req, reply) => {
    const guarded =
      (req.url.startsWith('/v1/') && !req.url.startsWith('/v1/webhooks/')) ||
      (req.url.startsWith('/codec/') && req.method !== 'OPTIONS');
    if (!guarded || deps.tokens.length === 0) return;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !tokenMatches(token, deps.tokens)) {
      return sendProblem(reply.header('www-authenticate', 'Bearer'), { title: 'Unauthorized', status: 401 });
    }
  });

  app.post(
    '/v1/refunds',
    {
      schema: {
        body: refundRequestSchema,
        response: { 200: startedSchema, 201: startedSchema },
        summary: 'Start a refund (idempotent on refundId)',
      },
    },
    async (req, reply) => {
      const started = await deps.refunds.start(req.body);
      return reply.code(started.created ? 201 : 200).send({
        refundId: req.body.refundId,
        workflowId: started.workflowId,
        created: started.created,
        status: started.status,
      });
    }
  );

  app.get('/v1/refunds/:refundId', { schema: { params, summary: "A refund's whole state" } }, async (req) =>
    deps.refunds.get(req.params.refundId)
  );

  app.get(
    '/v1/refunds',
    { schema: { querystring: listQuery, summary: 'Refunds by status, provider, payment, attention' } },
    async (req) => ({
      refunds: await deps.refunds.list(req.query),
    })
  );

  const actions = ['approve', 'cancel', 'escalate'] as const;
  for (const action of actions) {
    app.post(
      `/v1/refunds/:refundId/${action}`,
      {
        schema: {
          params,
          body: operatorActionSchema,
          response: { 200: actionResultSchema },
          summary: `${action} a refund`,
        },
      },
      async (req, reply) => {
        const result = await deps.refunds[action](req.params.refundId, req.body);
        if (!result.accepted)
          return sendProblem(reply, { title: `${action} refused`, status: 409, detail: result.note });
        return result;
      }
    );
  }
  app.post(
    '/v1/refunds/:refundId/resolve',
    {
      schema: {
        params,
        body: resolveActionSchema,
        response: { 200: actionResultSchema },
        summary: 'Resolve a refund that needs attention',
      },
    },
    async (req, reply) => {
      const result = await deps.refunds.resolve(req.params.refundId, req.body);
      if (!result.accepted) return sendProblem(reply, { title: 'resolve refused', status: 409, detail: result.note });
      return result;
    }
  );

  if (deps.codec) await registerCodecEndpoint(app, deps.codec);
  registerGetpaidWebhook(app, { secret: deps.getpaidWebhookSecret, refunds: deps.refunds, isTemporalUnavailable });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  return app;
}
