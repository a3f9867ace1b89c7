import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** A line of progress for the person waiting (a build of minutes says it is alive). */
export type BuildProgress = (line: string) => void;

export class GoBuildError extends Error {
  override name = 'GoBuildError';
}

/** The first `command` on PATH, if any. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Whether `file --version` (or the given arguments) exits 0 within 15 s. */
export function isRunnable(file: string, args: readonly string[] = ['--version']): boolean {
  return spawnSync(file, args, { stdio: 'ignore', timeout: 15_000 }).status === 0;
}

/** Go's module cache, where `go install pkg@version` unpacked the module's files (schemas, configs). */
export function goModuleDir(module: string, version: string): string {
  const go = onPath('go');
  if (!go) throw new GoBuildError('`go` is not on PATH');
  const cache = spawnSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim();
  // The cache spells upper-case letters as !lower-case (golang.org/x/mod/module.EscapePath).
  const escaped = module.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
  return path.join(cache, `${escaped}@${version}`);
}

/**
 * `CGO_ENABLED=0 go install <packages>` from the Go module proxy into a private GOBIN under
 * `stagingRoot`, showing progress every 15 s; `place(bin)` then moves the binaries where they are
 * looked for, so an interrupted build never leaves a half-written binary there.
 */
export async function goInstall(opts: {
  readonly label: string;
  readonly packages: readonly string[];
  readonly stagingRoot: string;
  readonly progress: BuildProgress;
  readonly place: (bin: string) => void;
}): Promise<{ readonly seconds: number }> {
  const go = onPath('go');
  if (!go) throw new GoBuildError(`${opts.label}: \`go\` is not on PATH to build it`);
  const stagingBin = path.join(opts.stagingRoot, `build-${process.pid}-${Date.now()}`);
  mkdirSync(stagingBin, { recursive: true });
  const started = Date.now();
  opts.progress(`Building ${opts.label} (${opts.packages.join(' ')}) with go; the first build takes a few minutes…`);
  let packages = 0;
  let lastPackage = '';
  const ticker = setInterval(() => {
    const secs = Math.round((Date.now() - started) / 1000);
    opts.progress(`  …still building: ${secs}s, ${packages} packages so far${lastPackage ? ` (${lastPackage})` : ''}`);
  }, 15_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(go, ['install', '-v', ...opts.packages], {
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
        if (status !== 0) opts.progress(tail);
        resolve(status);
      });
    });
    if (code !== 0) throw new GoBuildError(`${opts.label}: \`go install\` failed with exit code ${String(code)}`);
    opts.place(stagingBin);
    const seconds = Math.round((Date.now() - started) / 1000);
    opts.progress(`Built ${opts.label} in ${seconds}s`);
    return { seconds };
  } finally {
    clearInterval(ticker);
    rmSync(stagingBin, { recursive: true, force: true });
  }
}
