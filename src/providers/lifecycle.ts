import type { ProviderProfile } from '../refunds/provider-profile';

import type { ProviderDefinition } from './definition';
import { providers } from './registry';

/**
 * What workflow code asks of the provider registry: a provider's definition and profile. Nothing
 * here lists a provider, and nothing imports zod (see ./definition.ts).
 */
const definitions: ReadonlyMap<string, ProviderDefinition> = new Map(providers.map((p) => [p.name, p]));

/** The definition of a provider the registry has; a name it lacks is a programming error. */
export function definitionOf(name: string): ProviderDefinition {
  const definition = definitions.get(name);
  if (definition === undefined) throw new Error(`no provider named ${name} is registered`);
  return definition;
}

/** The profile of a provider the registry has. */
export function profileOf(name: string): ProviderProfile {
  return definitionOf(name).profile;
}

/** Every profile by name, e.g. to check each against its adapter's settings. */
export function everyProfile(): readonly { readonly name: string; readonly profile: ProviderProfile }[] {
  return providers;
}
