import { buildSandbox } from '../../src/sandbox/server';
import { startSandbox } from '../../harness/sandbox';
import type { RunningSandbox } from '../../harness/sandbox';

/** The choices a strict sandbox with this seed draws, per provider (what `GET /_sandbox/meta` reports). */
export type Choices = Record<string, Record<string, unknown>>;

export async function choicesFor(seed: number): Promise<Choices> {
  const sandbox = await buildSandbox({ strictDocs: true, seed });
  try {
    return Object.fromEntries(sandbox.providers.map((p) => [p.name, p.strictChoices?.() ?? {}]));
  } finally {
    await sandbox.app.close();
  }
}

/** The first seed whose strict sandbox drew what `wanted` looks for: each documented alternative gets its seed. */
export async function seedWhere(wanted: (choices: Choices) => boolean): Promise<number> {
  for (let seed = 1; seed <= 500; seed += 1) if (wanted(await choicesFor(seed))) return seed;
  throw new Error('no seed in 1..500 draws that');
}

/** A strict sandbox, listening, for a seed that draws what `wanted` looks for. */
export async function strictSandbox(
  wanted: (choices: Choices) => boolean = () => true
): Promise<{ sb: RunningSandbox; seed: number; choices: Choices }> {
  const seed = await seedWhere(wanted);
  const sb = await startSandbox({ strictDocs: true, seed });
  return { sb, seed, choices: await choicesFor(seed) };
}
