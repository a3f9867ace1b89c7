import type { Logger } from '../logger';

import type { InFlightActivities } from './in-flight-activities';

/** How much longer than its grace a worker process may take to stop before it exits regardless. */
export const SHUTDOWN_BOUND_MARGIN_MS = 5_000;

export interface ShutdownBoundOptions {
  readonly logger: Logger;
  readonly inFlight: InFlightActivities;
  /** What activities in flight get to finish (the workers' `shutdownGraceTime`). */
  readonly graceMs: number;
  /** Exits the process; a test passes its own. */
  readonly exit?: (code: number) => void;
}

/**
 * A worker process's shutdown, bounded and accounted for. Once it begins (SIGTERM, SIGINT, the
 * supervisor gone) the workers stop polling and the activities in flight get their grace; at the
 * grace the SDK cancels what still runs (a cancelled provider call is settled by the next worker
 * with a status read, never a blind resend). Whatever happens after that, the process exits by
 * grace + 5 s: an orchestrator (compose's `stop_grace_period`, Kubernetes'
 * `terminationGracePeriodSeconds`) would SIGKILL it soon after anyway, and a log line naming what
 * was abandoned is worth more than an unexplained kill. Each step is logged with what was in flight.
 */
export interface ShutdownBound {
  /**
   * Starts the bound; a later reason (a second SIGTERM, a Ctrl-C after it) is logged and changes
   * nothing: the drain under way is the fastest safe stop, and the bound already ends it.
   */
  begin(reason: string): void;
  /** The workers have stopped: the timers are cleared, so a process that is closing exits now. */
  done(): void;
  readonly begun: boolean;
  /** Aborted when the shutdown begins: what waits on something outside (a guard call) gives up. */
  readonly stopping: AbortSignal;
}

export function boundShutdown(options: ShutdownBoundOptions): ShutdownBound {
  const { logger, inFlight, graceMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let begun: { readonly reason: string; readonly at: number } | undefined;
  const timers: NodeJS.Timeout[] = [];
  const stopping = new AbortController();
  return {
    stopping: stopping.signal,
    get begun() {
      return begun !== undefined;
    },
    done() {
      for (const timer of timers.splice(0)) clearTimeout(timer);
    },
    begin(reason: string) {
      if (begun) {
        logger.info(
          { reason, inFlight: inFlight.size, sinceMs: Date.now() - begun.at },
          `${reason} while already shutting down (${begun.reason}): the drain goes on, ${inFlight.size} activities in flight`
        );
        return;
      }
      begun = { reason, at: Date.now() };
      stopping.abort(new Error(`shutting down (${reason})`));
      logger.info(
        { reason, graceMs, inFlight: inFlight.summary() },
        `shutting down (${reason}): ${inFlight.size} activities in flight get ${graceMs} ms to finish`
      );
      const grace = setTimeout(() => {
        if (inFlight.size === 0) return;
        logger.warn(
          { inFlight: inFlight.summary() },
          `shutdown grace over: cancelling ${inFlight.size} activities still running; the next worker retries them`
        );
      }, graceMs);
      const bound = setTimeout(() => {
        logger.error(
          { abandoned: inFlight.list(), boundMs: graceMs + SHUTDOWN_BOUND_MARGIN_MS },
          `shutdown bound reached: exiting with ${inFlight.size} activities abandoned`
        );
        exit(1);
      }, graceMs + SHUTDOWN_BOUND_MARGIN_MS);
      // Neither timer keeps a process alive that has stopped on its own.
      grace.unref();
      bound.unref();
      timers.push(grace, bound);
    },
  };
}
