import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { Connection } from '@temporalio/client';

import type { Logger } from '../logger';
import { devServerSearchAttributeFlags } from '../contract';

/**
 * Runs `temporal server start-dev` as a child process (the real server: the same binary that
 * `npm start` and the test suite use), with the refund search attributes registered at launch.
 */
export interface DevServerOptions {
  readonly cliPath: string;
  readonly ip: string;
  readonly port: number;
  /** Web UI port; `undefined` runs headless. */
  readonly uiPort: number | undefined;
  /** SQLite file that keeps workflows across restarts; `undefined` keeps them in memory. */
  readonly dbFile: string | undefined;
  readonly namespace: string;
  /** The UI's remote codec endpoint (`--ui-codec-endpoint`), for encrypted payloads. */
  readonly codecEndpoint?: string;
  /** Extra `--sqlite-pragma` values, e.g. `journal_mode=WAL` for the benchmark. */
  readonly sqlitePragmas?: readonly string[];
  /** The server's Prometheus port (`--metrics-port`; the bench reads RPC counts there); random when absent. */
  readonly metricsPort?: number;
  readonly logger: Logger;
  /**
   * Own process group: a terminal's Ctrl-C then reaches the worker first, and the supervisor stops
   * the server last, so in-flight work drains against a live server.
   */
  readonly detached?: boolean;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string | undefined;
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. */
  stop(): Promise<void>;
}

export function devServerArgs(opts: Omit<DevServerOptions, 'cliPath' | 'logger'>): string[] {
  const args = ['server', 'start-dev', '--ip', opts.ip, '--port', String(opts.port), '--log-level', 'warn'];
  args.push(...(opts.uiPort === undefined ? ['--headless'] : ['--ui-port', String(opts.uiPort)]));
  if (opts.dbFile !== undefined) args.push('--db-filename', opts.dbFile);
  if (opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  for (const pragma of opts.sqlitePragmas ?? []) args.push('--sqlite-pragma', pragma);
  if (opts.metricsPort !== undefined) args.push('--metrics-port', String(opts.metricsPort));
  if (opts.codecEndpoint !== undefined) args.push('--ui-codec-endpoint', opts.codecEndpoint);
  args.push(...devServerSearchAttributeFlags());
  return args;
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  if (opts.dbFile !== undefined) mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
  const address = `${opts.ip}:${opts.port}`;
  const child = spawn(opts.cliPath, devServerArgs(opts), {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  const log = opts.logger.child({ component: 'temporal-dev-server' });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      log.debug({ code, signal }, 'Temporal dev server exited');
      resolve();
    })
  );
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      output = (output + chunk).slice(-8000);
      for (const line of chunk.split('\n')) if (line.trim()) log.debug(line);
    });
  }

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exitPromise;
    clearTimeout(timer);
  };

  try {
    await waitForFrontend(address, () => exited, 60_000);
  } catch (err) {
    await stop();
    throw new Error(`Temporal dev server did not start on ${address}: ${(err as Error).message}\n${output}`);
  }
  return {
    address,
    uiUrl: opts.uiPort === undefined ? undefined : `http://${opts.ip}:${opts.uiPort}`,
    process: child,
    stop,
  };
}

/** Whether a Temporal frontend answers at `address` now (throws why not). */
export async function frontendAnswers(address: string): Promise<true> {
  // A subchannel of its own: another connection of this process to the same address (a client
  // waiting out a restart) must not lend its reconnect backoff to this probe.
  const connection = await Connection.connect({
    address,
    connectTimeout: 1_000,
    channelArgs: { 'grpc.use_local_subchannel_pool': 1 },
  });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

async function waitForFrontend(address: string, hasExited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('the process exited');
    try {
      await frontendAnswers(address);
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`timed out: ${String(lastError)}`);
}
