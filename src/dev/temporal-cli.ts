import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';

import { GoBuildError, goInstall, isRunnable, onPath } from './go-install';
import type { BuildProgress } from './go-install';

export type { BuildProgress } from './go-install';

/**
 * Finds a Temporal CLI in the order docs/contract.md gives, and builds one from the Go module proxy when
 * none is found: `$TEMPORAL_CLI`, `temporal` on PATH, the project's tools folder, then `go install`.
 * Nothing is downloaded from anywhere but the package registries.
 */

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
/** The newest release that `go install` accepts: later ones carry a `replace` directive. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export const projectRoot = path.resolve(__dirname, '..', '..');
export const toolsBinDir = path.join(projectRoot, '.tools', 'bin');
const toolsCliPath = path.join(toolsBinDir, 'temporal');

export type CliSource = 'TEMPORAL_CLI' | 'PATH' | 'tools folder' | 'built with go';

export interface FoundCli {
  readonly path: string;
  readonly source: CliSource;
}

export class TemporalCliNotFoundError extends Error {
  constructor(reason: string) {
    super(
      [
        `No Temporal CLI available: ${reason}.`,
        'Any one of these fixes it:',
        '  - install the `temporal` CLI yourself and put it on PATH (https://docs.temporal.io/cli), or',
        '  - set TEMPORAL_CLI to the path of a `temporal` binary, or',
        `  - install Go (1.22+) and run \`npm run temporal:cli\`, which builds ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`,
        `    into ${path.relative(process.cwd(), toolsBinDir) || toolsBinDir}.`,
      ].join('\n')
    );
    this.name = 'TemporalCliNotFoundError';
  }
}

/** The CLI that is already there, without building anything. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): FoundCli | undefined {
  const fromEnv = env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!isRunnable(fromEnv)) throw new TemporalCliNotFoundError(`TEMPORAL_CLI=${fromEnv} does not run`);
    return { path: fromEnv, source: 'TEMPORAL_CLI' };
  }
  const fromPath = onPath('temporal');
  if (fromPath && isRunnable(fromPath)) return { path: fromPath, source: 'PATH' };
  if (existsSync(toolsCliPath) && isRunnable(toolsCliPath)) return { path: toolsCliPath, source: 'tools folder' };
  return undefined;
}

/**
 * `go install` into a private GOBIN, then a rename into the tools folder, so that an interrupted
 * build never leaves a half-written binary where the next run would find it.
 */
export async function buildTemporalCli(progress: BuildProgress): Promise<FoundCli> {
  if (!onPath('go')) throw new TemporalCliNotFoundError('none found, and `go` is not on PATH to build one');
  try {
    await goInstall({
      label: 'the Temporal CLI',
      packages: [`${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`],
      stagingRoot: path.join(projectRoot, '.tools'),
      progress,
      place: (bin) => {
        mkdirSync(toolsBinDir, { recursive: true });
        renameSync(path.join(bin, 'temporal'), toolsCliPath);
      },
    });
  } catch (err) {
    if (err instanceof GoBuildError) throw new TemporalCliNotFoundError(err.message);
    throw err;
  }
  progress(`Temporal CLI: ${toolsCliPath}`);
  return { path: toolsCliPath, source: 'built with go' };
}

/** The CLI to use: one that is there, or one built now. */
export async function ensureTemporalCli(progress: BuildProgress = (l) => console.error(l)): Promise<FoundCli> {
  return findTemporalCli() ?? (await buildTemporalCli(progress));
}

if (require.main === module) {
  ensureTemporalCli()
    .then((cli) => console.log(`Temporal CLI (${cli.source}): ${cli.path}`))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
