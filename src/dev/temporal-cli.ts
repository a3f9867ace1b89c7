import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

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

function isRunnable(file: string): boolean {
  const result = spawnSync(file, ['--version'], { stdio: 'ignore', timeout: 15_000 });
  return result.status === 0;
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
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

export interface BuildProgress {
  (line: string): void;
}

/**
 * `go install` into a private GOBIN, then a rename into the tools folder, so that an interrupted
 * build never leaves a half-written binary where the next run would find it.
 */
export async function buildTemporalCli(progress: BuildProgress): Promise<FoundCli> {
  const go = onPath('go');
  if (!go) throw new TemporalCliNotFoundError('none found, and `go` is not on PATH to build one');
  const stagingBin = path.join(projectRoot, '.tools', `build-${process.pid}`);
  mkdirSync(stagingBin, { recursive: true });
  const started = Date.now();
  progress(
    `Building the Temporal CLI (${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}) with go; the first build takes a few minutes…`
  );
  let packages = 0;
  let lastPackage = '';
  const ticker = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    progress(`  …still building: ${secs}s, ${packages} packages so far${lastPackage ? ` (${lastPackage})` : ''}`);
  }, 15_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(go, ['install', '-v', `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`], {
        env: { ...process.env, CGO_ENABLED: '0', GOBIN: stagingBin },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let tail = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-4000);
        for (const line of chunk.split('\n')) {
          if (line && !line.startsWith('go: ')) {
            packages += 1;
            lastPackage = line.trim();
          }
        }
      });
      child.on('error', reject);
      child.on('exit', (status) => {
        if (status !== 0) progress(tail);
        resolve(status);
      });
    });
    if (code !== 0) throw new TemporalCliNotFoundError(`\`go install\` failed with exit code ${String(code)}`);
    mkdirSync(toolsBinDir, { recursive: true });
    renameSync(path.join(stagingBin, 'temporal'), toolsCliPath);
    progress(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)}s: ${toolsCliPath}`);
    return { path: toolsCliPath, source: 'built with go' };
  } finally {
    clearInterval(ticker);
    rmSync(stagingBin, { recursive: true, force: true });
  }
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
