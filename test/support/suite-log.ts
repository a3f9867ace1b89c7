import { mkdirSync } from 'node:fs';
import path from 'node:path';

import pino from 'pino';

/**
 * Every log line the suite writes goes to files in one folder (`TEST_LOG_DIR`, made by the global
 * setup), so that the global teardown can scan all of them for secrets.
 */
export function suiteLogDir(): string {
  const dir = process.env.TEST_LOG_DIR;
  if (!dir) throw new Error('TEST_LOG_DIR is not set: run the tests with `npm test`');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function suiteLogFile(name: string): string {
  return path.join(suiteLogDir(), `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}.log`);
}

const destinations = new Map<string, pino.DestinationStream>();

/** A pino destination appending to this process's file in the suite's log folder, opened once. */
export function suiteLogDestination(name: string): pino.DestinationStream {
  let destination = destinations.get(name);
  if (destination === undefined) {
    destination = pino.destination({ dest: suiteLogFile(name), sync: true, append: true });
    destinations.set(name, destination);
  }
  return destination;
}
