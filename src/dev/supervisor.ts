import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

import type { Logger } from '../logger';

/** One process `npm start` (or `npm run cluster`) keeps running. */
export interface ServiceSpec {
  readonly name: string;
  /**
   * What runs: a TypeScript entry point, run by Node itself with tsx as its loader, or a command.
   * Either way the child is the real process (a wrapper in between must `exec` it).
   */
  readonly run: { readonly entry: string } | { readonly command: string; readonly args: readonly string[] };
  /** Its own settings on top of the supervisor's environment. */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Its output goes to this file (appended) instead of the terminal. */
  readonly logFile?: string;
  /** Whether the process with this pid does its job yet (listens, polls). */
  ready(pid: number): Promise<boolean>;
  /** The signal that stops it (SIGTERM unless given: PostgreSQL's fast shutdown is SIGINT). */
  readonly stopSignal?: NodeJS.Signals;
  /** How long a stop may take before SIGKILL. */
  readonly stopGraceMs: number;
}

/** Restarts come after 1, 2, 4 … s, at most 30 s; more than this many in 5 minutes stops everything. */
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * Keeps services running: each is spawned in a process group of its own (so a terminal's Ctrl-C
 * reaches only the supervisor, which stops them in order), restarted with backoff when it exits on
 * its own, and given up on (everything stops) when it keeps crashing. Each Node service learns of
 * the supervisor's end through its IPC channel (src/dev/supervised.ts).
 */
export class Supervisor {
  private readonly running = new Map<string, { child: ChildProcess; exited: Promise<void> }>();
  private readonly crashes = new Map<string, number[]>();
  private stopping = false;
  /** Called whenever a service's process is spawned (so its pid can be recorded at once). */
  onSpawn: () => void = () => undefined;

  constructor(
    private readonly services: readonly ServiceSpec[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly logger: Logger,
    /** Called when a service keeps crashing: the caller stops everything. */
    private readonly onGiveUp: (reason: string) => void
  ) {}

  /** Starts every service, or those named (in that order). */
  startAll(names?: readonly string[]): void {
    for (const service of this.services) if (names === undefined || names.includes(service.name)) this.start(service);
  }

  /** The services named, as given to the supervisor (to wait for some of them). */
  named(...names: string[]): ServiceSpec[] {
    return this.services.filter((s) => names.includes(s.name));
  }

  /** Resolves once every service (or those given) is ready, its current process; logs which ones are late. */
  async whenReady(timeoutMs: number, services: readonly ServiceSpec[] = this.services): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(services);
    while (pending.size > 0 && !this.stopping) {
      for (const service of [...pending]) {
        // Only the process it started counts: another one on the port (a leftover) is not it.
        const pid = this.pidOf(service.name);
        if (pid !== undefined && (await service.ready(pid).catch(() => false)) && this.pidOf(service.name) === pid) {
          pending.delete(service);
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) {
        this.logger.warn({ notReady: [...pending].map((s) => s.name) }, 'services not ready yet; still waiting');
        return false;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return pending.size === 0;
  }

  /** Stops the services one at a time, in the given order, each within its grace. */
  async stop(order: readonly string[]): Promise<void> {
    this.stopping = true;
    for (const name of order) {
      const current = this.running.get(name);
      const service = this.services.find((s) => s.name === name);
      if (!current || !service || current.child.exitCode !== null || current.child.signalCode !== null) continue;
      current.child.kill(service.stopSignal ?? 'SIGTERM');
      const killed = await Promise.race([
        current.exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), service.stopGraceMs).unref()),
      ]);
      if (killed) {
        this.logger.error(`${name} did not stop within ${service.stopGraceMs / 1000} s: killed`);
        current.child.kill('SIGKILL');
        await current.exited;
      }
    }
  }

  /** The pid of a service's current process, if it runs. */
  pidOf(name: string): number | undefined {
    const current = this.running.get(name)?.child;
    return current && current.exitCode === null && current.signalCode === null ? current.pid : undefined;
  }

  private start(service: ServiceSpec): void {
    const [command, args] =
      'entry' in service.run
        ? [process.execPath, ['--import', 'tsx', service.run.entry]]
        : [service.run.command, [...service.run.args]];
    let output: 'inherit' | number = 'inherit';
    if (service.logFile !== undefined) {
      mkdirSync(path.dirname(service.logFile), { recursive: true });
      output = openSync(service.logFile, 'a');
    }
    // Node services learn of the supervisor's end through the IPC channel (src/dev/supervised.ts).
    const node = command === process.execPath;
    const child = spawn(command, args, {
      stdio: ['ignore', output, output, node ? 'ipc' : 'ignore'],
      env: { ...this.env, ...service.env },
      ...(service.cwd !== undefined && { cwd: service.cwd }),
      detached: true,
    });
    if (typeof output === 'number') closeSync(output);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        resolve();
        if (this.stopping) {
          this.logger.info({ service: service.name, code, signal }, `${service.name} stopped`);
          return;
        }
        this.restartLater(service, code, signal);
      })
    );
    this.running.set(service.name, { child, exited });
    this.onSpawn();
  }

  private restartLater(service: ServiceSpec, code: number | null, signal: NodeJS.Signals | null): void {
    const now = Date.now();
    const recent = [...(this.crashes.get(service.name) ?? []), now].filter((t) => now - t < CRASH_WINDOW_MS);
    this.crashes.set(service.name, recent);
    if (recent.length > MAX_CRASHES) {
      this.onGiveUp(`${service.name} exited ${recent.length} times within 5 minutes`);
      return;
    }
    const delayMs = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (recent.length - 1));
    this.logger.warn(
      { service: service.name, code, signal },
      `${service.name} exited on its own; restarting it in ${delayMs / 1000} s`
    );
    setTimeout(() => {
      if (this.stopping) return;
      this.start(service);
      void this.whenReady(120_000, [service]).then((ready) => {
        if (ready && !this.stopping) this.logger.info(`${service.name} restarted and ready`);
      });
    }, delayMs);
  }
}
