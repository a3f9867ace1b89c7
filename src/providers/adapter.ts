import type { Client } from '@temporalio/client';
import type { z } from 'zod';

import type { Logger } from '../logger';
import type { ProviderEvent } from '../refunds/actions';
import type { PollInput, PollOutcome, SubmitInput, SubmitOutcome } from '../refunds/provider-outcome';
import type { SandboxContext, SandboxProvider } from '../sandbox/provider';

/** Every provider's settings: its calls' timeout has to fit an activity attempt (src/worker.ts). */
export interface AdapterSettings {
  readonly timeoutMs: number;
}

/**
 * The two activities every provider has, named after it (the names are in recorded histories).
 * Each provider's folder types their input precisely; here only the names and the outcomes count.
 */
export type ProviderActivitiesOf<Name extends string> = Readonly<
  Record<`${Name}SubmitRefund`, (input: SubmitInput<never>) => Promise<SubmitOutcome>> &
    Record<`${Name}PollRefund`, (input: PollInput<never>) => Promise<PollOutcome>>
>;

/**
 * A provider's webhook, received by the HTTP API at `/v1/webhooks/<provider>?token=<secret>`. An
 * event is only a hint: the refund it names reads its status from the provider.
 */
export interface WebhookReceiver<Body extends z.ZodType = z.ZodType> {
  readonly summary: string;
  /** The event envelope: only what routing it needs is checked. */
  readonly body: Body;
  /** The refund the event is about and what to tell it; undefined when the event is not one of ours. */
  route(event: z.output<Body>): { readonly refundId: string; readonly event: ProviderEvent } | undefined;
}

/**
 * The Node part of a provider (its folder's `adapter.ts`): its environment, settings and
 * credentials, activities, webhook, and the simulator the sandbox serves. `adapters.ts` lists
 * every one; config, workers, the API and the sandbox are derived from that list.
 */
export interface ProviderAdapter<
  Name extends string = string,
  Env extends z.ZodObject = z.ZodObject,
  Settings extends AdapterSettings = AdapterSettings,
> {
  readonly name: Name;
  /** Its environment variables, the single definition of each (read once, by src/config.ts). */
  readonly env: Env;
  /**
   * Log paths (pino's syntax) where its credentials could appear, beyond the common names every
   * logger hides (`apiKey`, `token`, `secret`, `client_secret`, … in src/logger.ts).
   */
  readonly redactPaths?: readonly string[];
  /** Variables of `env` that may come from a file instead (`<NAME>_FILE`, Docker and Kubernetes secrets). */
  readonly secrets: readonly (keyof Env['shape'] & string)[];
  /**
   * The variables that point it at the provider sandbox at `sandboxUrl`, with the sandbox's own
   * credentials: their values when unset outside production. In production each must be set.
   */
  sandboxEnv(sandboxUrl: string): Readonly<Partial<Record<keyof Env['shape'] & string, string>>>;
  settings(env: z.output<Env>, common: { readonly timeoutMs: number }): Settings;
  activities(deps: { readonly settings: NoInfer<Settings>; readonly logger: Logger }): ProviderActivitiesOf<Name>;
  /**
   * A long-lived workflow of the provider's own (SecPaid's reconciler): the activities it calls,
   * on the provider's queue, and its start, which every worker makes at its own start with today's
   * settings (a second start finds it running and hands it the settings).
   */
  readonly ownWorkflow?: {
    activities(deps: {
      readonly settings: NoInfer<Settings>;
      readonly logger: Logger;
      readonly client: Client;
    }): Readonly<Record<string, (input: never) => Promise<unknown>>>;
    ensureRunning(client: Client, refundsTaskQueue: string, settings: NoInfer<Settings>): Promise<void>;
  };
  /**
   * Requests a second across every worker, when its profile gives it a task queue of its own: the
   * server enforces it there (`maxTaskQueueActivitiesPerSecond`).
   */
  queueRateLimit?(settings: NoInfer<Settings>, taskQueueSuffix: string): number;
  /** Its webhook, if the provider sends one; the secret in its URL comes from its settings. */
  readonly webhook?: { readonly receiver: WebhookReceiver; secret(settings: NoInfer<Settings>): string | undefined };
  /** Its simulator in the provider sandbox, under `/<name>/` and `/_sandbox/<name>/`. */
  sandbox(ctx: SandboxContext): SandboxProvider;
}

/** An adapter, with its settings' type inferred from its `settings` function. */
export function defineAdapter<const Name extends string, Env extends z.ZodObject, Settings extends AdapterSettings>(
  adapter: ProviderAdapter<Name, Env, Settings>
): ProviderAdapter<Name, Env, Settings> {
  return adapter;
}

/** A webhook receiver, its event's type checked here and erased for the list of adapters. */
export function defineWebhook<Body extends z.ZodType>(receiver: WebhookReceiver<Body>): WebhookReceiver {
  return {
    summary: receiver.summary,
    body: receiver.body,
    route: (event) => receiver.route(receiver.body.parse(event)),
  };
}
