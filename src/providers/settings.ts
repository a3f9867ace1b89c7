import { readSecret } from '../secret-env';
import type { SecretReader } from '../secret-env';

import type { ProviderAdapter } from './adapter';
import { adapters } from './adapters';
import { providers } from './registry';

type Adapters = typeof adapters;

/** Each provider's base URL, credentials and limits, by name: the workers' only source of secrets. */
export type ProvidersConfig = {
  readonly [A in Adapters[number] as A['name']]: ReturnType<A['settings']>;
};

/** The adapters, as the code that treats them all alike sees them. */
export const everyAdapter: readonly ProviderAdapter[] = adapters;

export interface ProviderEnvContext {
  readonly production: boolean;
  /** Where the provider sandbox listens, for the defaults outside production. */
  readonly sandboxUrl: string;
  /** PROVIDER_TIMEOUT_MS: every provider call's timeout unless its adapter says otherwise. */
  readonly timeoutMs: number;
  readonly readSecretFile: SecretReader;
}

/**
 * Every provider's settings from the environment, by its adapter's own variables. Outside
 * production what an adapter points at the sandbox defaults to the sandbox; in production each of
 * those must be set. Problems are added to `issues`, each naming its variable.
 */
export function loadProviderSettings(
  source: Readonly<Record<string, string | undefined>>,
  context: ProviderEnvContext,
  issues: string[]
): ProvidersConfig {
  checkRegistriesAgree();
  const settings: Record<string, unknown> = {};
  for (const adapter of everyAdapter) {
    const env: Record<string, string | undefined> = {};
    for (const name of Object.keys(adapter.env.shape)) env[name] = source[name];
    for (const name of adapter.secrets) env[name] = readSecret(source, name, context.readSecretFile, issues);
    let missing = false;
    for (const [name, sandboxValue] of Object.entries(adapter.sandboxEnv(context.sandboxUrl))) {
      if (env[name] !== undefined) continue;
      if (context.production) {
        missing = true;
        issues.push(`${name}: required in production${adapter.secrets.includes(name) ? ` (or ${name}_FILE)` : ''}`);
      } else env[name] = sandboxValue;
    }
    if (missing) continue;
    const parsed = adapter.env.safeParse(env);
    if (!parsed.success) {
      issues.push(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
      continue;
    }
    settings[adapter.name] = adapter.settings(parsed.data, { timeoutMs: context.timeoutMs });
  }
  return settings as ProvidersConfig;
}

/** Every provider's variables pointed at a sandbox at `sandboxUrl` (a worker process the tests start). */
export function sandboxProviderEnv(sandboxUrl: string): Record<string, string> {
  return Object.assign({}, ...everyAdapter.map((a) => a.sandboxEnv(sandboxUrl))) as Record<string, string>;
}

/** One provider's settings, as the code that treats every provider alike reads them. */
export function settingsOf(config: ProvidersConfig, name: string): ReturnType<ProviderAdapter['settings']> {
  const settings = (config as Readonly<Record<string, ReturnType<ProviderAdapter['settings']> | undefined>>)[name];
  if (settings === undefined) throw new Error(`no settings for provider ${name}`);
  return settings;
}

/** The secret each provider's webhook URL carries, by provider (undefined: its webhook refuses every call). */
export function webhookSecretsOf(config: ProvidersConfig): Readonly<Record<string, string | undefined>> {
  return Object.fromEntries(
    everyAdapter.flatMap((a) => (a.webhook ? [[a.name, a.webhook.secret(settingsOf(config, a.name))]] : []))
  );
}

/** The registry and the adapters must name the same providers: a provider without its Node half cannot run. */
function checkRegistriesAgree(): void {
  const defined = providers.map((p) => p.name as string).sort();
  const adapted = everyAdapter.map((a) => a.name).sort();
  if (defined.join() !== adapted.join()) {
    throw new Error(
      `src/providers/registry.ts (${defined.join(', ')}) and adapters.ts (${adapted.join(', ')}) must list the same providers`
    );
  }
}
