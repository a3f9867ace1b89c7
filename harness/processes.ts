import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';

import { sandboxProviderEnv } from '../src/providers/settings';

const root = path.join(__dirname, '..');

/**
 * A real worker process (`src/worker.ts`, as `npm run worker` runs it), on the test's task queue
 * and the prebuilt workflow bundle, so a test can SIGKILL it and start another.
 */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited, with its signal (or code). */
  readonly exited: Promise<NodeJS.Signals | number | null>;
  kill(signal: NodeJS.Signals): Promise<NodeJS.Signals | number | null>;
  /**
   * SIGTERM, then SIGKILL if it has not exited within `boundMs`: a teardown that always ends.
   * Says how long SIGTERM to exit took, and whether it had to be killed.
   */
  stop(boundMs: number): Promise<StopResult>;
}

/** A worker exits by its grace (30 s) + 5 s; a teardown SIGKILLs it past this, and says so. */
export const WORKER_STOP_BOUND_MS = 60_000;

export interface StopResult {
  readonly seconds: number;
  /** Its exit code (or signal) after SIGTERM; null when it had to be killed. */
  readonly exit: NodeJS.Signals | number | null;
  readonly killed: boolean;
}

export interface WorkerProcessOptions {
  readonly temporalAddress: string;
  readonly taskQueue: string;
  readonly sandboxUrl: string;
  readonly env?: NodeJS.ProcessEnv;
  /** The process's name (its log lines and errors say it). */
  readonly name: string;
  /** Where its stdout and stderr go (appended). */
  readonly logFile: string;
  /** Another workflow bundle than the suite's. */
  readonly workflowBundle?: string;
  /** Its REFUND_TIME_SCALE: 1 runs production's waits; tests run theirs faster (a worker setting). */
  readonly timeScale: number;
  /** Another worker script than `src/worker.ts` (the benchmark's bare worker, the built `lib/worker.js`). */
  readonly script?: string;
  /** `node` runs the script as it is (compiled JavaScript, as in production); `tsx` by default. */
  readonly runtime?: 'tsx' | 'node';
}

export function workerEnv(
  opts: Omit<WorkerProcessOptions, 'name' | 'env' | 'logFile' | 'script' | 'runtime'>
): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    LOG_PRETTY: 'false',
    METRICS_PORT: '0',
    TEMPORAL_ADDRESS: opts.temporalAddress,
    TEMPORAL_TASK_QUEUE: opts.taskQueue,
    ...((opts.workflowBundle ?? process.env.TEST_WORKFLOW_BUNDLE) !== undefined && {
      WORKFLOW_BUNDLE: opts.workflowBundle ?? process.env.TEST_WORKFLOW_BUNDLE,
    }),
    ...sandboxProviderEnv(opts.sandboxUrl),
    PROVIDER_TIMEOUT_MS: '2000',
    REFUND_TIME_SCALE: String(opts.timeScale),
    // Tests drive the limit with the sandbox; production keeps SecPaid's 60 a minute.
    SECPAID_MAX_REQUESTS_PER_SECOND: '1',
    // SecPaid's reconciler passes every 2 s (half the queue), so an approval is seen within seconds.
    SECPAID_RECONCILE_INTERVAL_MS: '1000',
    SECPAID_RECONCILE_READ_SHARE: '0.5',
  };
}

export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  const script = opts.script ?? path.join(root, 'src', 'worker.ts');
  const child = spawn(process.execPath, opts.runtime === 'node' ? [script] : ['--import', 'tsx', script], {
    cwd: root,
    env: { PATH: process.env.PATH, ...workerEnv(opts), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  // Both streams into one file, ended once both are: whoever awaits the exit then reads the whole
  // log, its last lines included.
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('close', (code, signal) => log.end(() => resolve(signal ?? code)))
  );
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString()).slice(-4000);
      if (seen.includes('"worker started"')) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    void exited.then((how) => reject(new Error(`worker exited (${String(how)}) before it started:\n${seen}`)));
  });
  return {
    child,
    exited,
    kill: (signal) => {
      child.kill(signal);
      return exited;
    },
    stop: async (boundMs) => {
      const at = Date.now();
      if (child.exitCode !== null || child.signalCode !== null)
        return { seconds: 0, exit: await exited, killed: false };
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        exited.then((exit) => ({ exit, killed: false })),
        new Promise<{ exit: null; killed: true }>((resolve) => {
          timer = setTimeout(() => resolve({ exit: null, killed: true }), boundMs);
        }),
      ]);
      clearTimeout(timer);
      const seconds = Math.round((Date.now() - at) / 100) / 10;
      if (result.killed) {
        child.kill('SIGKILL');
        await exited;
      }
      return { seconds, ...result };
    },
  };
}
