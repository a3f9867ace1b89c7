import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** One activity attempt this process is running: what a shutdown would abandon. */
export interface InFlightActivity {
  readonly activityType: string;
  readonly workflowId: string;
  readonly taskQueue: string;
  readonly attempt: number;
  /** A local activity runs inside its workflow's task; a regular one on its own. */
  readonly local: boolean;
  /** When this attempt started in this process (ISO 8601). */
  readonly startedAt: string;
}

/**
 * The activities this worker process is running, kept by an interceptor on every worker of the
 * process, so that a shutdown can say what it waits for and, once its bound is reached, what it
 * abandons. Only names, ids and times: never an activity's input (a provider request).
 */
export class InFlightActivities {
  private readonly running = new Map<number, InFlightActivity>();
  private next = 0;

  /** The interceptor to give each worker (`interceptors.activity`). */
  readonly interceptor: ActivityInterceptorsFactory = (ctx: Context) => ({
    inbound: {
      execute: async (input, next) => {
        const key = (this.next += 1);
        const { info } = ctx;
        this.running.set(key, {
          activityType: info.activityType,
          workflowId: info.workflowExecution?.workflowId ?? '',
          taskQueue: info.taskQueue,
          attempt: info.attempt,
          local: info.isLocal,
          startedAt: new Date().toISOString(),
        });
        try {
          return await next(input);
        } finally {
          this.running.delete(key);
        }
      },
    },
  });

  list(): InFlightActivity[] {
    return [...this.running.values()];
  }

  /** For a log line: how many of each type, and the oldest few (a worker may run hundreds at once). */
  summary(oldest = 10): { readonly byType: Record<string, number>; readonly oldest: InFlightActivity[] } {
    const byType: Record<string, number> = {};
    for (const { activityType, local } of this.running.values()) {
      const key = local ? `${activityType} (local)` : activityType;
      byType[key] = (byType[key] ?? 0) + 1;
    }
    // A Map keeps insertion order: the first entries started first.
    return { byType, oldest: this.list().slice(0, oldest) };
  }

  get size(): number {
    return this.running.size;
  }
}
