import { Writable } from 'node:stream';

import type { Context } from '@temporalio/activity';

import { createLogger } from '../../src/logger';
import { InFlightActivities } from '../../src/temporal/in-flight-activities';
import { SHUTDOWN_BOUND_MARGIN_MS, boundShutdown } from '../../src/temporal/shutdown-bound';

/** A logger whose lines the test reads back. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: { msg: string; [k: string]: unknown }[] } {
  const lines: { msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { msg: string });
      done();
    },
  });
  return { logger: createLogger({ level: 'info', pretty: false, destination }), lines };
}

/** Runs one activity attempt through the tracker's interceptor until `release` is called. */
function runActivity(inFlight: InFlightActivities, activityType: string, workflowId: string) {
  let release: () => void = () => undefined;
  const info = {
    activityType,
    workflowExecution: { workflowId, runId: 'r' },
    taskQueue: 'refunds',
    attempt: 2,
    isLocal: false,
  };
  const inbound = inFlight.interceptor({ info } as unknown as Context).inbound!;
  const done = inbound.execute!({ args: [], headers: {} }, () => {
    return new Promise((resolve) => {
      release = () => resolve('ok');
    });
  });
  return { done, release: () => release() };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('counts the activities in flight by type, workflow and attempt, and forgets each once it returns', async () => {
  const inFlight = new InFlightActivities();
  const a = runActivity(inFlight, 'sandpaySubmitRefund', 'refund-a');
  runActivity(inFlight, 'secpaidPollRefund', 'refund-b');
  expect(inFlight.list()).toEqual([
    expect.objectContaining({ activityType: 'sandpaySubmitRefund', workflowId: 'refund-a', attempt: 2, local: false }),
    expect.objectContaining({ activityType: 'secpaidPollRefund', workflowId: 'refund-b' }),
  ]);
  a.release();
  await expect(a.done).resolves.toBe('ok');
  expect(inFlight.list().map((x) => x.workflowId)).toEqual(['refund-b']);
});

it('logs what is in flight at the start, what it cancels at the grace, and exits 1 naming what it abandons at grace + 5 s', () => {
  const { logger, lines } = capturedLogger();
  const inFlight = new InFlightActivities();
  runActivity(inFlight, 'sandpaySubmitRefund', 'refund-stuck');
  const exit = jest.fn();
  const shutdown = boundShutdown({ logger, inFlight, graceMs: 30_000, exit });

  expect(shutdown.stopping.aborted).toBe(false);
  shutdown.begin('SIGTERM');
  expect(shutdown.stopping.aborted).toBe(true); // what waits on a guard gives up at once
  expect(lines.map((l) => l.msg)).toEqual(['shutting down (SIGTERM): 1 activities in flight get 30000 ms to finish']);
  expect(lines[0]).toMatchObject({
    inFlight: { byType: { sandpaySubmitRefund: 1 }, oldest: [{ workflowId: 'refund-stuck' }] },
  });
  // A second signal is said, and moves neither the grace nor the bound.
  jest.advanceTimersByTime(10_000);
  shutdown.begin('SIGINT');
  expect(lines[1]).toMatchObject({
    msg: 'SIGINT while already shutting down (SIGTERM): the drain goes on, 1 activities in flight',
    sinceMs: 10_000,
  });

  jest.advanceTimersByTime(20_000);
  expect(lines[2]).toMatchObject({ msg: expect.stringMatching(/^shutdown grace over: cancelling 1 /) });
  expect(exit).not.toHaveBeenCalled();

  jest.advanceTimersByTime(SHUTDOWN_BOUND_MARGIN_MS - 1);
  expect(exit).not.toHaveBeenCalled();
  jest.advanceTimersByTime(1);
  expect(lines[3]).toMatchObject({
    msg: 'shutdown bound reached: exiting with 1 activities abandoned',
    abandoned: [{ activityType: 'sandpaySubmitRefund', workflowId: 'refund-stuck' }],
  });
  expect(exit).toHaveBeenCalledWith(1);
});

it('says nothing at the grace when everything has finished', () => {
  const { logger, lines } = capturedLogger();
  const inFlight = new InFlightActivities();
  boundShutdown({ logger, inFlight, graceMs: 1_000, exit: jest.fn() }).begin('SIGTERM');
  jest.advanceTimersByTime(1_000);
  expect(lines.map((l) => l.msg)).toEqual(['shutting down (SIGTERM): 0 activities in flight get 1000 ms to finish']);
});

it('clears its timers once the workers have stopped: nothing is said or exited after that', () => {
  const { logger, lines } = capturedLogger();
  const inFlight = new InFlightActivities();
  runActivity(inFlight, 'sandpaySubmitRefund', 'refund-left');
  const exit = jest.fn();
  const shutdown = boundShutdown({ logger, inFlight, graceMs: 1_000, exit });
  shutdown.begin('SIGTERM');
  shutdown.done();
  jest.advanceTimersByTime(10_000);
  expect(lines).toHaveLength(1);
  expect(exit).not.toHaveBeenCalled();
});
