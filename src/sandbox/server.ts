import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';

import { everyAdapter } from '../providers/settings';

import { FaultInjector, faultSpecSchema } from './faults';
import { Ledger } from './ledger';
import type { LedgerEntry } from './ledger';
import type { SandboxContext, SandboxProvider } from './provider';
import { freshSeed, parseSeed, SandboxRandom } from './random';

/**
 * The provider sandbox: each provider's API at its documented path under `/<provider>`, and the
 * sandbox's own control API under `/_sandbox/`: create payments, act as the provider's staff
 * (approve SecPaid refunds, complete GetPaid ones, resolve SandPay PENDING), inject faults, and
 * read the provider-side ledger. State is in memory, and saved to `stateFile` when one is given.
 */
export interface Sandbox {
  readonly app: FastifyInstance;
  readonly ledger: Ledger;
  readonly faults: FaultInjector;
  /** Each provider's simulator (its adapter's `sandbox`), in the order of src/providers/adapters.ts. */
  readonly providers: readonly SandboxProvider[];
  /** One provider's simulator; a name no adapter has is a programming error. */
  provider(name: string): SandboxProvider;
  /** The base URL once listening, e.g. `http://127.0.0.1:4010`. */
  url(): string;
  /** How many requests reached a provider endpoint (faulted or not). */
  requestCount(provider: string, endpoint: string): number;
  /** Strict-docs mode: nothing the providers' docs do not state (src/sandbox/STRICT_DOCS.md). */
  readonly strictDocs: boolean;
  /** The seed of every random choice strict mode made: the same seed repeats the same run. */
  readonly seed: number;
}

export interface SandboxOptions {
  readonly logger?: FastifyBaseLogger;
  /** JSON file that keeps payments and refunds across sandbox restarts. */
  readonly stateFile?: string | undefined;
  /**
   * Strict-docs mode: every behaviour the providers' docs do not state is off, or drawn at random
   * (from `seed`) within what the docs allow. Default: `SANDBOX_STRICT_DOCS=1` in the environment.
   */
  readonly strictDocs?: boolean | undefined;
  /** The seed of strict mode's random choices. Default: `SANDBOX_SEED`, else a fresh one (see `/_sandbox/meta`). */
  readonly seed?: number | undefined;
}

const ledgerQuery = z.object({ provider: z.string().optional(), paymentId: z.string().optional() }).strict();

export async function buildSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const app = Fastify({ loggerInstance: options.logger, bodyLimit: 64 * 1024, forceCloseConnections: true });
  await app.register(formbody);
  const ledger = new Ledger();
  const strictDocs = options.strictDocs ?? process.env.SANDBOX_STRICT_DOCS === '1';
  const seed = options.seed ?? parseSeed(process.env.SANDBOX_SEED) ?? freshSeed();
  const url = (): string => {
    const address = app.server.address() as AddressInfo | null;
    return address ? `http://127.0.0.1:${address.port}` : 'http://127.0.0.1';
  };
  const ctx: SandboxContext = {
    ledger,
    baseUrl: url,
    strictDocs,
    random: (label) => new SandboxRandom(seed, label),
  };

  const providers = everyAdapter.map((adapter) => adapter.sandbox(ctx));
  const faults = new FaultInjector((tag, status) => {
    const provider = providers.find((p) => p.name === tag.provider);
    return provider ? provider.errorAnswer(status, tag.endpoint) : { body: {} };
  });
  if (strictDocs)
    app.log.info({ seed }, 'provider sandbox in strict-docs mode (the same SANDBOX_SEED repeats its choices)');

  // Every provider call, counted per endpoint before any fault applies: how many polls a refund
  // made, how fast SecPaid was called.
  const requestCounts = new Map<string, number>();
  app.addHook('onRequest', async (req) => {
    const tag = req.routeOptions.config.sandboxEndpoint;
    if (tag)
      requestCounts.set(
        `${tag.provider}.${tag.endpoint}`,
        (requestCounts.get(`${tag.provider}.${tag.endpoint}`) ?? 0) + 1
      );
  });
  faults.install(app);
  for (const provider of providers) provider.register(app);

  // A body Fastify cannot parse never reaches a route: answer it as the provider would, never crash.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const provider = providers.find((p) => req.url.startsWith(`/${p.name}/`));
    const status = err.statusCode ?? 500;
    if (provider && status >= 400 && status < 500) return provider.badRequest(reply, err.message);
    if (status >= 500) req.log.error({ err }, 'sandbox error');
    return reply.code(status).send({ error: status >= 500 ? 'internal' : 'bad_request', message: err.message });
  });

  const invalid = (error: z.ZodError) => ({
    error: 'invalid_body',
    fields: error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
  });

  app.get('/_sandbox/ledger', async (req, reply) => {
    const parsed = ledgerQuery.safeParse(req.query);
    if (!parsed.success) return reply.code(400).send(invalid(parsed.error));
    return { refunds: ledger.list(parsed.data) };
  });
  app.get('/_sandbox/stats', async () => ({ requests: Object.fromEntries(requestCounts), strictDocs }));
  // Also what `npm start` probes until the sandbox is up: not a log line each time.
  app.get('/_sandbox/meta', { logLevel: 'warn' }, async () => ({
    strictDocs,
    seed,
    ...(strictDocs && {
      choices: Object.fromEntries(providers.map((p) => [p.name, p.strictChoices?.() ?? {}])),
    }),
  }));
  app.post('/_sandbox/faults', async (req, reply) => {
    const parsed = faultSpecSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(invalid(parsed.error));
    const problem = faults.check(parsed.data);
    if (problem)
      return reply.code(400).send({ error: 'invalid_body', fields: [{ field: 'endpoint', message: problem }] });
    return reply.code(201).send(faults.add(parsed.data));
  });
  app.get('/_sandbox/faults', async () => ({ faults: faults.list() }));
  app.delete('/_sandbox/faults', async () => {
    faults.clear();
    return { cleared: true };
  });
  app.post('/_sandbox/reset', async () => {
    ledger.clear();
    faults.clear();
    requestCounts.clear();
    for (const provider of providers) provider.reset();
    return { reset: true };
  });

  if (options.stateFile) persistTo(app, options.stateFile, ledger, providers);
  return {
    app,
    ledger,
    faults,
    providers,
    provider: (name) => {
      const found = providers.find((p) => p.name === name);
      if (found === undefined) throw new Error(`the sandbox has no provider named ${name}`);
      return found;
    },
    url,
    requestCount: (provider, endpoint) => requestCounts.get(`${provider}.${endpoint}`) ?? 0,
    strictDocs,
    seed,
  };
}

interface SavedState {
  readonly version: 1;
  readonly ledger: LedgerEntry[];
  readonly providers: Record<string, unknown>;
}

/**
 * Loads the state file at start, and rewrites it (atomically) after every state-changing request,
 * once its handler has run: also when the answer never reaches the caller (a dropped connection, a
 * caller that hung up before a late commit), where no `onResponse` comes.
 */
function persistTo(app: FastifyInstance, file: string, ledger: Ledger, providers: readonly SandboxProvider[]): void {
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedState;
    ledger.clear();
    for (const entry of saved.ledger) ledger.record(entry, new Date(entry.at));
    for (const provider of providers) {
      const snapshot = saved.providers[provider.name];
      if (snapshot !== undefined) provider.restore(snapshot);
    }
  }
  const save = (): void => {
    const state: SavedState = {
      version: 1,
      ledger: ledger.list(),
      providers: Object.fromEntries(providers.map((p) => [p.name, p.snapshot()])),
    };
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, file);
  };
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.method !== 'GET') save();
    return payload;
  });
}
