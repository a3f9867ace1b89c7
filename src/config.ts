import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { parseApiTokens } from './api/tokens';
import type { ApiToken } from './api/tokens';
import type { CallbackDestinationPolicy } from './callbacks/destination';
import { loadProviderSettings, webhookSecretsOf } from './providers/settings';
import type { ProvidersConfig } from './providers/settings';
import { readSecret } from './secret-env';
import type { SecretReader } from './secret-env';
import type { EncryptionKey } from './temporal/encryption-codec';

export type { ProvidersConfig } from './providers/settings';

/**
 * The one place that reads the environment. Every process (worker, sandbox, dev supervisor, API)
 * calls {@link loadConfig} once at start-up; a bad value stops it with a message naming the variable.
 */

const port = z.coerce.number().int().min(0).max(65_535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const SANDBOX_DEFAULT_PORT = 4010;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: logLevel.default('info'),
  LOG_PRETTY: z.stringbool().optional(),

  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** The refunds' task queue (docs/contract.md: `refunds`); SecPaid's activities use `<queue>-secpaid`. */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('refunds'),
  /** A workflow bundle prebuilt by `npm run build` (production); without it the worker bundles at start. */
  WORKFLOW_BUNDLE: z.string().min(1).optional(),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_DB_FILE: z.string().min(1).default('.data/temporal.db'),
  TEMPORAL_CLI: z.string().min(1).optional(),
  /** TLS to the Temporal frontend: on with any of the settings below, or forced with `true`. */
  TEMPORAL_TLS: z.stringbool().optional(),
  /** mTLS client certificate and key (PEM files), e.g. for a self-hosted cluster or Temporal Cloud mTLS. */
  TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  /** The server's CA (PEM), when it is not one the system trusts. */
  TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Temporal Cloud API key (or `_FILE`); implies TLS. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_API_KEY_FILE: z.string().min(1).optional(),

  /**
   * Payload encryption (AES-256-GCM) keys, `keyId:base64Key` comma-separated (or `_FILE`); the first
   * encrypts, every one decrypts, so a key is rotated by putting a new one first.
   */
  PAYLOAD_ENCRYPTION_KEYS: z.string().min(1).optional(),
  PAYLOAD_ENCRYPTION_KEYS_FILE: z.string().min(1).optional(),
  /** Browser origins (the Temporal UI) allowed to call the API's codec endpoint `/codec`. */
  CODEC_CORS_ORIGINS: z.string().min(1).default('http://127.0.0.1:8233,http://localhost:8233'),

  /**
   * Worker tuning (bench/README.md, "Performance"); unset keeps the SDK's default. Applied to the refund and
   * guard workflow workers of each process; SecPaid's queue is bounded by its rate limit instead.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  WORKER_WORKFLOW_TASK_POLLERS: z.coerce.number().int().min(2).optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  WORKER_ACTIVITY_TASK_POLLERS: z.coerce.number().int().min(1).optional(),
  WORKER_REUSE_V8_CONTEXT: z.stringbool().optional(),
  /** What activities in flight get to finish on SIGTERM; the process exits by this + 5 s. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),

  /**
   * The interface the API, the sandbox and the worker's metrics listen on: loopback unless told
   * otherwise (a container sets 0.0.0.0 so that other containers reach it).
   */
  LISTEN_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_PORT: port.default(SANDBOX_DEFAULT_PORT),
  SANDBOX_STATE_FILE: z.string().min(1).optional(),
  /** `1`: the sandbox invents nothing its providers' docs do not state (src/sandbox/STRICT_DOCS.md). */
  SANDBOX_STRICT_DOCS: z.enum(['0', '1']).default('0'),
  /** The seed of the strict sandbox's random choices, to repeat a run. */
  SANDBOX_SEED: z.coerce.number().int().min(0).max(0xffffffff).optional(),
  API_PORT: port.default(3000),
  /** The worker's Prometheus endpoint (`/metrics`); 0 turns it off. */
  METRICS_PORT: port.default(9464),
  /**
   * The API's bearer tokens, `<name>@<scope>+<scope>=<token>` comma-separated (src/api/tokens.ts);
   * none means the API refuses to start outside development, and in development listens on loopback only.
   */
  API_TOKENS: z.string().min(1).optional(),
  API_TOKENS_FILE: z.string().min(1).optional(),
  /**
   * Hosts a `callbackUrl` may name, comma-separated (`hooks.example.com`, or `*.example.com` for its
   * subdomains). Unset: any https host whose every address is public (no loopback, private,
   * link-local or reserved range).
   */
  CALLBACK_ALLOWED_HOSTS: z
    .string()
    .regex(
      /^(\*\.)?[a-z0-9.-]+(,(\*\.)?[a-z0-9.-]+)*$/,
      'expected host names, comma-separated, e.g. hooks.example.com,*.example.org'
    )
    .optional(),
  /** Development only: callbacks may go to plain http on loopback (the demo's and tests' receivers). */
  CALLBACK_ALLOW_LOOPBACK: z.stringbool().default(false),
  /** Signs the completion events sent to backends' `callbackUrl` (HMAC-SHA256). */
  CALLBACK_SIGNING_SECRET: z.string().min(16).optional(),
  CALLBACK_SIGNING_SECRET_FILE: z.string().min(1).optional(),
  /** Refunds above these amounts wait for approval, e.g. `EUR:100000,XOF:5000000` (minor units). */
  APPROVAL_THRESHOLDS: z
    .string()
    .regex(/^([A-Z]{3}:\d+)(,[A-Z]{3}:\d+)*$/, 'expected CUR:minorUnits pairs, e.g. EUR:100000,USD:100000')
    .optional(),
  APPROVAL_DEADLINE_MS: z.coerce.number().int().positive().optional(),
  /**
   * Development and test only: every wait of the refunds this worker starts (poll intervals,
   * deadlines, retry backoffs, the approval deadline) is multiplied by it, so that days of a
   * provider's lifecycle pass in seconds. A worker setting, never a starter's: nobody who merely
   * starts refunds can shorten a deadline. Production refuses anything but 1.
   */
  REFUND_TIME_SCALE: z.coerce.number().positive().max(1).default(1),
  /**
   * A synchronous provider's refund (OpenPayd, PaymentOptions) takes its reservation and sends its
   * request in one local activity, inside the refund's first workflow task, instead of a workflow
   * task and an activity task more. Off by default: a worker of a version before it may take over
   * a first task that died after sending, and it would send again (it cannot tell that a
   * reservation was taken by an earlier try). Turn it on once every worker runs a version that has
   * it; turn it off before rolling back to one without it (docs/operations.md).
   */
  REFUND_SUBMIT_IN_TASK: z.stringbool().default(false),
  /**
   * A payment's guard completes after this long without a refund of the payment calling it; the
   * next call starts it again from its ledger. The number of open guards is the payments refunded
   * within this window. At least a second (tests); a minute or more in production.
   */
  PAYMENT_GUARD_QUIET_WINDOW_MS: z.coerce.number().int().min(1000).default(3_600_000),

  PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  // Each provider's own variables are its adapter's (src/providers/<name>/adapter.ts).
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly log: { readonly level: Env['LOG_LEVEL']; readonly pretty: boolean | undefined };
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly workflowBundle: string | undefined;
    readonly uiPort: number;
    readonly dbFile: string;
    readonly cliPath: string | undefined;
    readonly tls: TemporalTls | undefined;
    readonly apiKey: string | undefined;
    /** Empty: payloads travel in clear. */
    readonly encryptionKeys: readonly EncryptionKey[];
  };
  readonly worker: WorkerTuning;
  /** WORKER_SHUTDOWN_GRACE_MS: on SIGTERM, what activities in flight get to finish. */
  readonly workerShutdownGraceMs: number;
  readonly sandbox: {
    readonly port: number;
    readonly stateFile: string | undefined;
    readonly strictDocs: boolean;
    readonly seed: number | undefined;
  };
  readonly api: {
    readonly port: number;
    /** Empty only in development, where the API then runs without auth on loopback (and says so). */
    readonly tokens: readonly ApiToken[];
    /** The secret in each provider webhook's URL, by provider (src/providers/<name>/adapter.ts). */
    readonly webhookSecrets: Readonly<Record<string, string | undefined>>;
    readonly codecCorsOrigins: readonly string[];
  };
  readonly metrics: { readonly port: number };
  /** LISTEN_HOST: where the API, sandbox and metrics endpoint listen. */
  readonly listenHost: string;
  readonly callbacks: CallbackConfig;
  readonly paymentGuard: {
    /** PAYMENT_GUARD_QUIET_WINDOW_MS. */
    readonly quietWindowMs: number;
  };
  readonly approvals: {
    readonly thresholds: Readonly<Record<string, number>>;
    readonly deadlineMs: number | undefined;
  };
  /** REFUND_TIME_SCALE: 1 in production. */
  readonly timeScale: number;
  /** REFUND_SUBMIT_IN_TASK. */
  readonly submitInTask: boolean;
  readonly providers: ProvidersConfig;
}

/** Completion callbacks: how they are signed, and where they may go. */
export interface CallbackConfig extends CallbackDestinationPolicy {
  readonly signingSecret: string;
  readonly timeoutMs: number;
}

/** The worker options an operator may set; each left undefined keeps the SDK's default. */
export interface WorkerTuning {
  readonly maxCachedWorkflows?: number;
  readonly maxConcurrentWorkflowTaskExecutions?: number;
  readonly maxConcurrentWorkflowTaskPolls?: number;
  readonly maxConcurrentActivityTaskExecutions?: number;
  readonly maxConcurrentActivityTaskPolls?: number;
  readonly reuseV8Context?: boolean;
}

/** TLS to Temporal: server verification, and the client's own certificate for mTLS. */
export interface TemporalTls {
  readonly serverNameOverride?: string;
  readonly serverRootCACertificate?: Buffer;
  readonly clientCertPair?: { readonly crt: Buffer; readonly key: Buffer };
}

/** Raised for an invalid environment; its message lists each offending variable. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The core settings that may come from a file (`NAME_FILE`) as well as from `NAME`; providers' are their adapters'. */
type SecretName = 'API_TOKENS' | 'CALLBACK_SIGNING_SECRET' | 'TEMPORAL_API_KEY' | 'PAYLOAD_ENCRYPTION_KEYS';

export function loadConfig(
  source: NodeJS.ProcessEnv = process.env,
  readSecretFile: SecretReader = defaultSecretReader
): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const env = parsed.data;
  const issues: string[] = [];
  /** A secret: required in production, a development default outside it. */
  const read = (name: SecretName, developmentDefault: string): string => {
    const value = readSecret(source, name, readSecretFile, issues);
    if (value !== undefined) return value;
    if (env.NODE_ENV === 'production') issues.push(`${name}: required in production (or ${name}_FILE)`);
    return developmentDefault;
  };
  const providers = loadProviderSettings(
    source,
    {
      production: env.NODE_ENV === 'production',
      sandboxUrl: `http://127.0.0.1:${env.SANDBOX_PORT}`,
      timeoutMs: env.PROVIDER_TIMEOUT_MS,
      readSecretFile,
    },
    issues
  );
  // API tokens have no default: without them the API runs open only in development.
  const apiTokens = parseApiTokens(readSecret(source, 'API_TOKENS', readSecretFile, issues));
  issues.push(...apiTokens.issues);
  if (env.CALLBACK_ALLOW_LOOPBACK && env.NODE_ENV === 'production') {
    issues.push('CALLBACK_ALLOW_LOOPBACK: not allowed in production (callbacks go to public https hosts only)');
  }
  if (env.REFUND_TIME_SCALE !== 1 && env.NODE_ENV === 'production') {
    issues.push('REFUND_TIME_SCALE: not allowed in production (refunds wait their real deadlines)');
  }
  const temporalApiKey = readSecret(source, 'TEMPORAL_API_KEY', readSecretFile, issues);
  const encryptionKeys = parseEncryptionKeys(
    readSecret(source, 'PAYLOAD_ENCRYPTION_KEYS', readSecretFile, issues),
    issues
  );
  const tls = temporalTls(env, temporalApiKey !== undefined, readSecretFile, issues);
  const callbackSecret = read('CALLBACK_SIGNING_SECRET', 'dev-callback-signing-secret-not-for-production');
  const thresholds = Object.fromEntries(
    (env.APPROVAL_THRESHOLDS ?? '')
      .split(',')
      .filter((pair) => pair.length > 0)
      .map((pair) => {
        const [currency = '', amount = '0'] = pair.split(':');
        return [currency, Number(amount)] as const;
      })
  );
  const worker = workerTuning(env, issues);
  if (issues.length > 0) throw new ConfigError(issues);

  return Object.freeze({
    env: env.NODE_ENV,
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY },
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      workflowBundle: env.WORKFLOW_BUNDLE,
      uiPort: env.TEMPORAL_UI_PORT,
      dbFile: env.TEMPORAL_DB_FILE,
      cliPath: env.TEMPORAL_CLI,
      tls,
      apiKey: temporalApiKey,
      encryptionKeys,
    },
    worker,
    workerShutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
    sandbox: {
      port: env.SANDBOX_PORT,
      stateFile: env.SANDBOX_STATE_FILE,
      strictDocs: env.SANDBOX_STRICT_DOCS === '1',
      seed: env.SANDBOX_SEED,
    },
    api: {
      port: env.API_PORT,
      tokens: apiTokens.tokens,
      webhookSecrets: webhookSecretsOf(providers),
      codecCorsOrigins: env.CODEC_CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter((o) => o.length > 0),
    },
    metrics: { port: env.METRICS_PORT },
    listenHost: env.LISTEN_HOST,
    callbacks: {
      signingSecret: callbackSecret,
      timeoutMs: env.PROVIDER_TIMEOUT_MS,
      allowedHosts: (env.CALLBACK_ALLOWED_HOSTS ?? '').split(',').filter((h) => h.length > 0),
      allowLoopback: env.CALLBACK_ALLOW_LOOPBACK,
    },
    approvals: { thresholds, deadlineMs: env.APPROVAL_DEADLINE_MS },
    timeScale: env.REFUND_TIME_SCALE,
    submitInTask: env.REFUND_SUBMIT_IN_TASK,
    paymentGuard: { quietWindowMs: env.PAYMENT_GUARD_QUIET_WINDOW_MS },
    providers,
  });
}

/** The SDK's default for maxConcurrentWorkflowTaskExecutions. */
const SDK_DEFAULT_WORKFLOW_TASK_SLOTS = 40;

/** The WORKER_* settings, with the one combination the SDK would refuse at start named here. */
function workerTuning(env: Env, issues: string[]): WorkerTuning {
  const executions = env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  const polls = env.WORKER_WORKFLOW_TASK_POLLERS;
  const slots = executions ?? SDK_DEFAULT_WORKFLOW_TASK_SLOTS;
  if (polls !== undefined && polls > slots) {
    issues.push(
      `WORKER_WORKFLOW_TASK_POLLERS: ${polls} is more than the workflow tasks a worker may run at once ` +
        `(WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, ${executions === undefined ? `${slots} by default` : slots})`
    );
  }
  const cache = env.WORKER_MAX_CACHED_WORKFLOWS;
  const activities = env.WORKER_MAX_CONCURRENT_ACTIVITIES;
  const activityPolls = env.WORKER_ACTIVITY_TASK_POLLERS;
  const reuse = env.WORKER_REUSE_V8_CONTEXT;
  return {
    ...(cache !== undefined && { maxCachedWorkflows: cache }),
    ...(executions !== undefined && { maxConcurrentWorkflowTaskExecutions: executions }),
    ...(polls !== undefined && { maxConcurrentWorkflowTaskPolls: polls }),
    ...(activities !== undefined && { maxConcurrentActivityTaskExecutions: activities }),
    ...(activityPolls !== undefined && { maxConcurrentActivityTaskPolls: activityPolls }),
    ...(reuse !== undefined && { reuseV8Context: reuse }),
  };
}

/** `id:base64Key,…` into keys of 32 bytes each; the message never repeats a key. */
function parseEncryptionKeys(value: string | undefined, issues: string[]): EncryptionKey[] {
  if (value === undefined) return [];
  const keys: EncryptionKey[] = [];
  value.split(',').forEach((entry, i) => {
    const [id = '', encoded = ''] = entry.trim().split(':');
    const key = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id) || key.length !== 32 || key.toString('base64') !== encoded) {
      issues.push(
        `PAYLOAD_ENCRYPTION_KEYS: entry ${i + 1} must be keyId:base64 of 32 random bytes (e.g. k1:$(openssl rand -base64 32))`
      );
      return;
    }
    if (keys.some((k) => k.id === id)) issues.push(`PAYLOAD_ENCRYPTION_KEYS: key id ${id} appears twice`);
    keys.push({ id, key });
  });
  return keys;
}

/**
 * TLS settings from the environment, checked together: a certificate needs its key (and the other
 * way round), an API key travels only over TLS, and a file that cannot be read is named.
 */
function temporalTls(env: Env, hasApiKey: boolean, readFile: SecretReader, issues: string[]): TemporalTls | undefined {
  const {
    TEMPORAL_TLS: forced,
    TEMPORAL_TLS_CERT_FILE: cert,
    TEMPORAL_TLS_KEY_FILE: key,
    TEMPORAL_TLS_CA_FILE: ca,
  } = env;
  if ((cert === undefined) !== (key === undefined)) {
    issues.push('TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE: mTLS needs both the certificate and its key');
  }
  const wanted =
    forced ??
    (hasApiKey ||
      cert !== undefined ||
      key !== undefined ||
      ca !== undefined ||
      env.TEMPORAL_TLS_SERVER_NAME !== undefined);
  if (forced === false && (hasApiKey || cert !== undefined || ca !== undefined)) {
    issues.push(
      'TEMPORAL_TLS: cannot be false with TEMPORAL_API_KEY or TLS files set (an API key must not travel in clear)'
    );
    return undefined;
  }
  if (!wanted) return undefined;
  const file = (name: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return Buffer.from(readFile(path));
    } catch {
      issues.push(`${name}: cannot read the file it names`);
      return undefined;
    }
  };
  const crt = file('TEMPORAL_TLS_CERT_FILE', cert);
  const privateKey = file('TEMPORAL_TLS_KEY_FILE', key);
  const caCert = file('TEMPORAL_TLS_CA_FILE', ca);
  return {
    ...(env.TEMPORAL_TLS_SERVER_NAME !== undefined && { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME }),
    ...(caCert !== undefined && { serverRootCACertificate: caCert }),
    ...(crt !== undefined && privateKey !== undefined && { clientCertPair: { crt, key: privateKey } }),
  };
}

function defaultSecretReader(path: string): string {
  return readFileSync(path, 'utf8');
}
