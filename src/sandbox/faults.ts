import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import type { ErrorAnswer } from './provider';

/**
 * Faults the sandbox injects on purpose, per provider and endpoint, so tests (and people trying the
 * product) can see what the orchestrator does when a provider misbehaves:
 *
 * - `http-error`: answers `status` (400–599, default 503) without doing anything;
 * - `slow`: waits `delayMs`, then behaves normally (a client with a shorter timeout gives up);
 * - `slow-answer`: does the work at once, then holds the answer `delayMs` (the refund exists, and
 *   its webhook may arrive, before the caller hears of it);
 * - `reset`: drops the connection before doing anything;
 * - `commit-then-drop`: does the work (the refund happens) and then drops the connection, so the
 *   caller sees a failure while the provider has acted: the unknown outcome;
 * - `commit-then-error`: does the work (the refund happens), then answers HTTP `status` (400–599,
 *   default 500) with `{"error":"sandbox_fault","message":"injected HTTP <status> after commit"}`
 *   instead of the real answer: a 5xx that is not a "nothing happened";
 * - `commit-late`: holds the request `delayMs`, then does the work and commits even if the caller
 *   has hung up meanwhile (a caller still connected gets the real answer): the refund lands after
 *   the caller gave up on it;
 * - `read-error`: only for endpoints that read state (tagged `read`: a status, payment or
 *   transaction read; `endpoint: '*'` = all of the provider's reads and nothing else): answers
 *   `status` (200–599, default 404) with `body` (any JSON; default the provider's own error body
 *   for a 4xx/5xx, its not-found body for a 404, and `{}` below 400) without reading anything;
 * - `rate-limit`: answers 429 with `Retry-After: retryAfterSeconds`.
 *
 * A fault applies to the next `times` matching requests (default: until removed), each with
 * `probability` (default 1). `delayMs` defaults to 5000, `retryAfterSeconds` to 1; `body` is only
 * for `read-error`.
 */
const kinds = [
  'http-error',
  'slow',
  'slow-answer',
  'reset',
  'commit-then-drop',
  'commit-then-error',
  'commit-late',
  'read-error',
  'rate-limit',
] as const;
type FaultKind = (typeof kinds)[number];

const defaultStatus = (kind: FaultKind): number =>
  kind === 'read-error' ? 404 : kind === 'commit-then-error' ? 500 : 503;

export const faultSpecSchema = z
  .object({
    provider: z.string().min(1),
    /** The endpoint's name, e.g. `refund`, `status`; `*` for every endpoint of the provider. */
    endpoint: z.string().min(1).default('*'),
    kind: z.enum(kinds),
    /** 200–599 for `read-error`, 400–599 otherwise; the default depends on the kind. */
    status: z.number().int().min(200).max(599).optional(),
    /** `read-error` only: the body to answer. */
    body: z.json().optional(),
    delayMs: z.number().int().min(0).max(120_000).default(5_000),
    retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
    times: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).default(1),
    /**
     * Only requests whose JSON body has each of these fields with this value (compared as text),
     * e.g. `{ "pay_id": "1042" }`: one refund's reads, not every caller's (SecPaid's reconciler
     * reads the same endpoint without `pay_id`).
     */
    match: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.kind !== 'read-error' && spec.status !== undefined && spec.status < 400) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: `${spec.kind} takes a status from 400 to 599` });
    }
    if (spec.kind !== 'read-error' && spec.body !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'body is for read-error only' });
    }
  })
  .transform((spec) => ({ ...spec, status: spec.status ?? defaultStatus(spec.kind) }));

export type FaultSpec = z.infer<typeof faultSpecSchema>;

function bodyMatches(match: FaultSpec['match'], body: unknown): boolean {
  if (match === undefined) return true;
  if (typeof body !== 'object' || body === null) return false;
  const fields = body as Readonly<Record<string, unknown>>;
  return Object.entries(match).every(([name, value]) => {
    const actual = fields[name];
    return (typeof actual === 'string' || typeof actual === 'number') && String(actual) === String(value);
  });
}

/** A fault the sandbox holds, as `GET /_sandbox/faults` lists it. */
export interface ActiveFault extends FaultSpec {
  readonly id: string;
  remaining: number | undefined;
  hits: number;
}

/** What a route declares in its `config` so faults can find it (see `tag()` in ./provider). */
export interface EndpointTag {
  readonly provider: string;
  readonly endpoint: string;
  /** A read of state (status, payment, transactions): what `read-error` applies to. */
  readonly read: boolean;
}

/** A provider's own error answer for a status at one of its endpoints (the default `read-error` body). */
export type ErrorAnswerOf = (tag: EndpointTag, status: number) => ErrorAnswer;

declare module 'fastify' {
  interface FastifyContextConfig {
    readonly sandboxEndpoint?: EndpointTag;
  }
  interface FastifyRequest {
    sandboxDropAfterCommit?: boolean;
    sandboxErrorAfterCommit?: number;
    sandboxAnswerDelayMs?: number;
  }
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  /** Every tagged route, as the routes are registered. */
  private readonly endpoints: EndpointTag[] = [];

  constructor(private readonly errorAnswerOf: ErrorAnswerOf = () => ({ body: {} })) {}

  /** Why a spec cannot apply (a `read-error` on an endpoint that is not a read), or undefined. */
  check(spec: FaultSpec): string | undefined {
    if (spec.kind !== 'read-error' || spec.endpoint === '*') return undefined;
    const endpoint = this.endpoints.find((e) => e.provider === spec.provider && e.endpoint === spec.endpoint);
    if (endpoint && !endpoint.read) {
      const reads = this.endpoints.filter((e) => e.provider === spec.provider && e.read).map((e) => e.endpoint);
      return `${spec.provider}.${spec.endpoint} is not a read endpoint (reads: ${reads.join(', ') || 'none'})`;
    }
    return undefined;
  }

  add(spec: FaultSpec): ActiveFault {
    const fault: ActiveFault = { ...spec, id: randomUUID(), remaining: spec.times, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): readonly ActiveFault[] {
    return this.faults;
  }

  clear(): void {
    this.faults = [];
  }

  /**
   * The fault to apply to one request, consuming one of its `times`: the first matching fault, in
   * the order they were added, whose `probability` comes up (so several faults of a provider can
   * each strike a share of its requests).
   */
  take(tag: EndpointTag, random: () => number = Math.random, body?: unknown): ActiveFault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.provider === tag.provider &&
        (f.endpoint === '*' || f.endpoint === tag.endpoint) &&
        (f.kind !== 'read-error' || tag.read) &&
        bodyMatches(f.match, body) &&
        random() < f.probability
    );
    if (!fault) return undefined;
    fault.hits += 1;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    }
    return fault;
  }

  /** Hooks that apply faults to every route tagged with `config.sandboxEndpoint`. */
  install(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const tag = route.config?.sandboxEndpoint;
      if (tag) this.endpoints.push(tag);
    });
    app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
      const tag = req.routeOptions.config.sandboxEndpoint;
      if (!tag) return;
      const fault = this.take(tag, Math.random, req.body);
      if (!fault) return;
      switch (fault.kind) {
        case 'http-error':
          return reply.code(fault.status).send({ error: 'sandbox_fault', message: `injected HTTP ${fault.status}` });
        case 'rate-limit':
          return reply
            .code(429)
            .header('retry-after', String(fault.retryAfterSeconds))
            .send({ error: 'rate_limited', message: 'Too many requests' });
        case 'reset':
          req.raw.socket.destroy();
          return reply.hijack();
        case 'read-error': {
          const answer: ErrorAnswer =
            fault.body !== undefined
              ? { body: fault.body }
              : fault.status >= 400
                ? this.errorAnswerOf(tag, fault.status)
                : { body: {} };
          if (answer.body === undefined) return reply.code(fault.status).send();
          return reply
            .code(fault.status)
            .type(answer.contentType ?? 'application/json; charset=utf-8')
            .send(JSON.stringify(answer.body));
        }
        case 'slow':
          await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
          return;
        case 'commit-late':
          // Fastify runs the handler after this hook even when the caller has hung up meanwhile
          // (test/sandbox/faults.test.ts proves it): the refund commits late, whoever still listens.
          await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
          return;
        case 'commit-then-error':
          req.sandboxErrorAfterCommit = fault.status;
          return;
        case 'slow-answer':
          req.sandboxAnswerDelayMs = fault.delayMs;
          return;
        case 'commit-then-drop':
          req.sandboxDropAfterCommit = true;
          return;
      }
    });
    // The handler has run (and committed); instead of its answer, the caller gets a dropped
    // connection, or an injected error.
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.sandboxAnswerDelayMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, req.sandboxAnswerDelayMs));
      }
      if (req.sandboxDropAfterCommit) {
        req.raw.socket.destroy();
        reply.hijack();
      }
      const status = req.sandboxErrorAfterCommit;
      if (status !== undefined) {
        req.sandboxErrorAfterCommit = undefined;
        reply.removeHeader('content-length');
        void reply.code(status).type('application/json; charset=utf-8');
        return JSON.stringify({ error: 'sandbox_fault', message: `injected HTTP ${status} after commit` });
      }
      return payload;
    });
  }
}
