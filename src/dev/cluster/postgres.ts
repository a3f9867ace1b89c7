import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { BuildProgress } from '../go-install';
import { onPath } from '../go-install';
import type { ServiceSpec } from '../supervisor';

/**
 * PostgreSQL for `npm run cluster`: Debian's server (`apt-get install postgresql` where it is
 * missing and we may install it, as `.ci/run` does for Chromium), on a data folder of the cluster's
 * own, listening on loopback only, with password (SCRAM) authentication as production's is.
 */

export interface PostgresSettings {
  readonly dataDir: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

const SERVER_BINARIES = ['postgres', 'initdb', 'pg_isready'] as const;

/** The newest server's bin folder: POSTGRES_BIN_DIR, then `initdb` on PATH, then Debian's /usr/lib/postgresql/<n>/bin. */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const has = (dir: string): boolean => SERVER_BINARIES.every((b) => existsSync(path.join(dir, b)));
  if (env.POSTGRES_BIN_DIR) return has(env.POSTGRES_BIN_DIR) ? env.POSTGRES_BIN_DIR : undefined;
  const initdb = onPath('initdb');
  if (initdb) {
    const dir = path.dirname(realpathSync(initdb));
    if (has(dir)) return dir;
  }
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => path.join(debian, v, 'bin')).find(has);
}

/** PostgreSQL's bin folder, installed now from Debian's packages when it is missing and this is root. */
export function ensurePostgres(progress: BuildProgress): string {
  const found = findPostgres();
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !onPath('apt-get')) {
    throw new Error(
      "PostgreSQL is not installed: install Debian's `postgresql` package (sudo apt-get install postgresql), or set POSTGRES_BIN_DIR to a folder with postgres, initdb and pg_isready"
    );
  }
  progress('PostgreSQL is not installed: apt-get install postgresql…');
  const started = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]): void => {
    const result = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${String(result.status)})`);
  };
  run(['update', '-qq']);
  run(['install', '-y', '-qq', 'postgresql']);
  progress(`PostgreSQL installed in ${Math.round((Date.now() - started) / 1000)}s`);
  const installed = findPostgres();
  if (!installed)
    throw new Error('apt-get installed postgresql, but its server binaries are not where Debian puts them');
  return installed;
}

/**
 * PostgreSQL refuses to run as root: as root, its files belong to the `postgres` user Debian's
 * package creates, and it runs as that user (`setpriv` then execs it: no wrapper stays between).
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0)
    throw new Error('running as root, and there is no `postgres` user to run PostgreSQL as');
  return { uid, gid };
}

function asServerUser(command: string, args: readonly string[]): { command: string; args: string[] } {
  const user = serverUser();
  if (user === undefined) return { command, args: [...args] };
  return {
    command: 'setpriv',
    args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', command, ...args],
  };
}

/**
 * As root, the server's user must reach its folder: the cluster's own folder (a mkdtemp folder is
 * 0700) is opened to it; any folder above that it cannot enter stops the start with what to do.
 */
function reachable(dataDir: string): void {
  const parent = path.dirname(dataDir);
  const { mode } = statSync(parent);
  if ((mode & 0o001) === 0) chmodSync(parent, (mode & 0o7777) | 0o011);
  for (let dir = path.dirname(parent); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the postgres user, which cannot enter ${dir}: set CLUSTER_DATA_DIR to a folder it can reach (e.g. /var/tmp/refunds-cluster)`
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

/** Creates the data folder on the first run (false when it was there: the cluster's data is reused). */
export function initPostgres(binDir: string, settings: PostgresSettings, progress: BuildProgress): boolean {
  if (existsSync(path.join(settings.dataDir, 'PG_VERSION'))) return false;
  rmSync(settings.dataDir, { recursive: true, force: true });
  mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  const pwDir = mkdtempSync(path.join(os.tmpdir(), 'refunds-cluster-'));
  const pwFile = path.join(pwDir, 'pw');
  writeFileSync(pwFile, `${settings.password}\n`, { mode: 0o600 });
  const user = serverUser();
  try {
    if (user) {
      chownSync(settings.dataDir, user.uid, user.gid);
      chownSync(pwDir, user.uid, user.gid);
      chownSync(pwFile, user.uid, user.gid);
      reachable(settings.dataDir);
    }
    const { command, args } = asServerUser(path.join(binDir, 'initdb'), [
      '-D',
      settings.dataDir,
      '-U',
      settings.user,
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
    ]);
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`initdb failed (exit ${String(result.status)}):\n${result.stderr}`);
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
  progress(`PostgreSQL data folder created: ${settings.dataDir}`);
  return true;
}

/** The server as a supervised service: loopback only, its socket in its data folder, fast shutdown on stop. */
export function postgresService(binDir: string, settings: PostgresSettings, logFile: string): ServiceSpec {
  const { command, args } = asServerUser(path.join(binDir, 'postgres'), [
    '-D',
    settings.dataDir,
    '-p',
    String(settings.port),
    '-k',
    settings.dataDir,
    '-c',
    'listen_addresses=127.0.0.1',
    // One server process holds every service's pools (frontend, history, matching, worker).
    '-c',
    'max_connections=200',
  ]);
  return {
    name: 'postgresql',
    run: { command, args },
    logFile,
    ready: async () =>
      spawnSync(path.join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(settings.port)]).status === 0,
    // SIGINT is PostgreSQL's fast shutdown (SIGTERM waits for every client to leave).
    stopSignal: 'SIGINT',
    stopGraceMs: 30_000,
  };
}
