import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

import type { RefundsClient } from '../client';
import type { ProviderEvent } from '../refunds/actions';
import type { WebhookReceiver } from '../providers/adapter';
import { everyAdapter } from '../providers/settings';

import { errorResponses, sendProblem } from './problem';
import { secretMatcher } from './tokens';

/** Event ids already handed to a refund by this API instance (the workflow dedupes across instances). */
const SEEN_LIMIT = 10_000;
/** At most one signal per refund in this window; the events inside it become one trailing signal. */
const COALESCE_WINDOW_MS = 2_000;

export interface WebhookDeps {
  /** The secret each provider's webhook URL carries, by provider; none: that webhook refuses every call. */
  readonly secrets: Readonly<Record<string, string | undefined>>;
  readonly refunds: RefundsClient;
  readonly isTemporalUnavailable: (err: unknown) => boolean;
  readonly logger?: FastifyBaseLogger;
}

type Deliver = (refundId: string, event: ProviderEvent) => Promise<void>;

/**
 * Per refund, one signal per window: an event that arrives sooner is not dropped but folded into a
 * single delivery at the window's end, which carries the newest event. Every event is only a hint
 * to read the refund, so one read after the last event sees whatever the real one announced: a
 * flood of forged or repeated events costs one read per window, never the real outcome, and adds at
 * most one signal per window to the refund's history.
 */
export class EventCoalescer {
  private readonly last = new Map<string, number>();
  private readonly trailing = new Map<string, { event: ProviderEvent; timer: NodeJS.Timeout }>();

  constructor(
    private readonly deliver: Deliver,
    private readonly windowMs: number,
    private readonly onTrailingError: (refundId: string, err: unknown) => void
  ) {}

  /** `now`: delivered (or failed) in this call; `coalesced`: delivered at the window's end. */
  async offer(refundId: string, event: ProviderEvent): Promise<'now' | 'coalesced'> {
    const now = Date.now();
    const since = now - (this.last.get(refundId) ?? -Infinity);
    if (since >= this.windowMs && !this.trailing.has(refundId)) {
      this.remember(refundId, now);
      await this.deliver(refundId, event);
      return 'now';
    }
    const pending = this.trailing.get(refundId);
    if (pending) {
      pending.event = event;
      return 'coalesced';
    }
    const timer = setTimeout(() => {
      const due = this.trailing.get(refundId);
      this.trailing.delete(refundId);
      if (!due) return;
      this.remember(refundId, Date.now());
      this.deliver(refundId, due.event).catch((err: unknown) => this.onTrailingError(refundId, err));
    }, this.windowMs - since);
    timer.unref();
    this.trailing.set(refundId, { event, timer });
    return 'coalesced';
  }

  /** Stops the timers (API shutdown); a pending read is then left to the refund's fallback poll. */
  close(): void {
    for (const { timer } of this.trailing.values()) clearTimeout(timer);
    this.trailing.clear();
  }

  private remember(refundId: string, at: number): void {
    this.last.delete(refundId);
    this.last.set(refundId, at);
    // Oldest first (Map keeps insertion order): entries older than the window no longer matter.
    for (const [id, t] of this.last) {
      if (at - t < this.windowMs && this.last.size <= SEEN_LIMIT) break;
      this.last.delete(id);
    }
  }
}

/** Every provider webhook its adapter declares, each at `/v1/webhooks/<provider>`. */
export function registerProviderWebhooks(app: FastifyInstance, deps: WebhookDeps): void {
  for (const adapter of everyAdapter) {
    if (adapter.webhook) registerWebhook(app, adapter.name, adapter.webhook.receiver, deps);
  }
}

/**
 * `POST /v1/webhooks/<provider>?token=<secret>`. The providers' webhooks (GetPaid's) are unsigned,
 * so the URL carries a secret, and the event only makes the refund read its status from the
 * provider: a forged event can make a refund look, never move. Answered 2xx only once the signal
 * is delivered (Temporal buffers it even if the refund has not recorded the provider's id yet);
 * 5xx while Temporal is unreachable, so the provider retries; 2xx for events that are not ours or
 * for ended refunds, since a 4xx would make the provider stop sending.
 */
function registerWebhook(app: FastifyInstance, provider: string, receiver: WebhookReceiver, deps: WebhookDeps): void {
  const seen = new Set<string>();
  const secretMatches = secretMatcher(deps.secrets[provider]);
  const coalescer = new EventCoalescer(
    (refundId, event) => deps.refunds.deliverProviderEvent(refundId, event),
    COALESCE_WINDOW_MS,
    (refundId, err) => {
      if (err instanceof WorkflowNotFoundError) return;
      deps.logger?.warn(
        { refundId, provider, err },
        'coalesced provider event not delivered; the fallback poll will read'
      );
    }
  );
  app.addHook('onClose', async () => coalescer.close());

  app.withTypeProvider<ZodTypeProvider>().post(
    `/v1/webhooks/${provider}`,
    {
      schema: {
        querystring: z.object({ token: z.string().max(200).optional() }),
        body: receiver.body,
        summary: receiver.summary,
        security: [],
        response: {
          200: z.object({ received: z.boolean(), delivered: z.boolean(), note: z.string().optional() }),
          ...errorResponses(400, 401, 413, 415, 503),
        },
      },
      config: { auth: 'secret-in-url' },
      // The secret is checked before the body or query is validated: a caller without it learns nothing.
      onRequest: async (req, reply) => {
        // The query string is parsed by routing, before any hook; validation comes later.
        const token = (req.query as { token?: unknown }).token;
        if (typeof token !== 'string' || !secretMatches(token)) {
          return sendProblem(reply, { title: 'Unauthorized', status: 401 });
        }
      },
    },
    async (req, reply) => {
      const routed = receiver.route(req.body);
      if (routed === undefined) return { received: true, delivered: false, note: 'not a refund of this orchestrator' };
      const { refundId, event } = routed;
      if (seen.has(event.eventId)) return { received: true, delivered: true, note: 'duplicate' };
      let delivery: 'now' | 'coalesced';
      try {
        delivery = await coalescer.offer(refundId, event);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError)
          return { received: true, delivered: false, note: 'refund ended or unknown' };
        if (deps.isTemporalUnavailable(err)) {
          return sendProblem(reply, { title: 'Service unavailable', status: 503, detail: 'retry later' });
        }
        throw err;
      }
      if (seen.size >= SEEN_LIMIT) seen.clear();
      seen.add(event.eventId);
      return delivery === 'now'
        ? { received: true, delivered: true }
        : {
            received: true,
            delivered: true,
            note: `coalesced: the refund reads ${provider} once more when this window ends`,
          };
    }
  );
}
