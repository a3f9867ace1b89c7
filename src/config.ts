import { readFileSync } from 'node:fs';

import { z } from 'zod';

/**
 * The one place that reads the environment. Every process (worker, sandbox, dev supervisor, API)
 * calls {@link loadConfig} once at start-up; a bad value stops it with a message naming the variable.
 */

const port = z.coerce.number().int().min(0).max(65_535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

const SANDBOX_DEFAULT_PORT = 4010;

/** Credentials the provider sandbox accepts by default; real ones come from the environment. */
export const sandboxCredentials = {
  openpaydApiKey: 'opsandbox0000000000000000000000k',
} as const;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: logLevel.default('info'),
  LOG_PRETTY: z.stringbool().optional(),

  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_DB_FILE: z.string().min(1).default('.data/temporal.db'),
  TEMPORAL_CLI: z.string().min(1).optional(),

  SANDBOX_PORT: port.default(SANDBOX_DEFAULT_PORT),
  SANDBOX_STATE_FILE: z.string().min(1).optional(),
  API_PORT: port.default(3000),

  OPENPAYD_BASE_URL: httpUrl.optional(),
  OPENPAYD_API_KEY: z.string().min(1).optional(),
  OPENPAYD_API_KEY_FILE: z.string().min(1).optional(),
  OPENPAYD_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly log: { readonly level: Env['LOG_LEVEL']; readonly pretty: boolean | undefined };
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    readonly uiPort: number;
    readonly dbFile: string;
    readonly cliPath: string | undefined;
  };
  readonly sandbox: { readonly port: number; readonly stateFile: string | undefined };
  readonly api: { readonly port: number };
  readonly providers: {
    readonly openpayd: { readonly baseUrl: string; readonly apiKey: string; readonly timeoutMs: number };
  };
}

/** Raised for an invalid environment; its message lists each offending variable. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type SecretReader = (path: string) => string;

/**
 * A secret comes from `NAME` or from the file named by `NAME_FILE` (Docker/Kubernetes secrets).
 * Outside production an unset secret falls back to the sandbox's credential.
 */
function secret(
  env: Env,
  name: 'OPENPAYD_API_KEY',
  sandboxDefault: string,
  readSecretFile: SecretReader,
  issues: string[]
): string {
  const fileVar = `${name}_FILE` as const;
  const direct = env[name];
  const file = env[fileVar];
  if (direct !== undefined && file !== undefined) {
    issues.push(`${name}: set either ${name} or ${fileVar}, not both`);
    return '';
  }
  if (direct !== undefined) return direct;
  if (file !== undefined) {
    try {
      return readSecretFile(file).trim();
    } catch {
      issues.push(`${fileVar}: cannot read the file it names`);
      return '';
    }
  }
  if (env.NODE_ENV === 'production') {
    issues.push(`${name}: required in production (or ${fileVar})`);
    return '';
  }
  return sandboxDefault;
}

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
  const sandboxBase = `http://127.0.0.1:${env.SANDBOX_PORT}`;
  const openpaydApiKey = secret(env, 'OPENPAYD_API_KEY', sandboxCredentials.openpaydApiKey, readSecretFile, issues);
  if (env.NODE_ENV === 'production' && env.OPENPAYD_BASE_URL === undefined) {
    issues.push('OPENPAYD_BASE_URL: required in production');
  }
  if (issues.length > 0) throw new ConfigError(issues);

  return Object.freeze({
    env: env.NODE_ENV,
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY },
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      uiPort: env.TEMPORAL_UI_PORT,
      dbFile: env.TEMPORAL_DB_FILE,
      cliPath: env.TEMPORAL_CLI,
    },
    sandbox: { port: env.SANDBOX_PORT, stateFile: env.SANDBOX_STATE_FILE },
    api: { port: env.API_PORT },
    providers: {
      openpayd: {
        baseUrl: env.OPENPAYD_BASE_URL ?? `${sandboxBase}/openpayd`,
        apiKey: openpaydApiKey,
        timeoutMs: env.OPENPAYD_TIMEOUT_MS,
      },
    },
  });
}

function defaultSecretReader(path: string): string {
  return readFileSync(path, 'utf8');
}
