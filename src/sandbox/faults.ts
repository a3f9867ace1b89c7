import { randomUUID } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * Faults the sandbox injects on purpose, per provider and endpoint, so tests (and people trying the
 * product) can see what the orchestrator does when a provider misbehaves:
 *
 * - `http-error`: answers `status` (5xx by default) without doing anything;
 * - `slow`: waits `delayMs`, then behaves normally (a client with a shorter timeout gives up);
 * - `slow-answer`: does the work at once, then holds the answer `delayMs` (the refund exists, and
 *   its webhook may arrive, before the caller hears of it);
 * - `reset`: drops the connection before doing anything;
 * - `commit-then-drop`: does the work (the refund happens) and then drops the connection, so the
 *   caller sees a failure while the provider has acted: the unknown outcome;
 * - `rate-limit`: answers 429 with `Retry-After: retryAfterSeconds`.
 *
 * A fault applies to the next `times` matching requests (default: until removed), each with
 * `probability` (default 1).
 */
export const faultSpecSchema = z
  .object({
    provider: z.string().min(1),
    /** The endpoint's name, e.g. `refund`, `status`; `*` for every endpoint of the provider. */
    endpoint: z.string().min(1).default('*'),
    kind: z.enum(['http-error', 'slow', 'slow-answer', 'reset', 'commit-then-drop', 'rate-limit']),
    status: z.number().int().min(400).max(599).default(503),
    delayMs: z.number().int().min(0).max(120_000).default(5_000),
    retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
    times: z.number().int().positive().optional(),
    probability: z.number().min(0).max(1).default(1),
  })
  .strict();

export type FaultSpec = z.infer<typeof faultSpecSchema>;

interface ActiveFault extends FaultSpec {
  readonly id: string;
  remaining: number | undefined;
  hits: number;
}

/** What a route declares in its `config` so faults can find it. */
export interface EndpointTag {
  readonly provider: string;
  readonly endpoint: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    readonly sandboxEndpoint?: EndpointTag;
  }
  interface FastifyRequest {
    sandboxDropAfterCommit?: boolean;
    sandboxAnswerDelayMs?: number;
  }
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

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
  take(tag: EndpointTag, random: () => number = Math.random): ActiveFault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.provider === tag.provider && (f.endpoint === '*' || f.endpoint === tag.endpoint) && random() < f.probability
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
    app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
      const tag = req.routeOptions.config.sandboxEndpoint;
      if (!tag) return;
      const fault = this.take(tag);
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
        case 'slow':
          await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
          return;
        case 'slow-answer':
          req.sandboxAnswerDelayMs = fault.delayMs;
          return;
        case 'commit-then-drop':
          req.sandboxDropAfterCommit = true;
          return;
      }
    });
    // The handler has run (and committed); instead of its answer, the caller gets a dropped connection.
    app.addHook('onSend', async (req, reply, payload) => {
      if (req.sandboxAnswerDelayMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, req.sandboxAnswerDelayMs));
      }
      if (req.sandboxDropAfterCommit) {
        req.raw.socket.destroy();
        reply.hijack();
      }
      return payload;
    });
  }
}
