import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import pino from 'pino';

import { startDevServer } from '../../src/dev/dev-server';
import type { DevServer } from '../../src/dev/dev-server';
import { ensureTemporalCli } from '../../src/dev/temporal-cli';
import { createLogger } from '../../src/logger';
import { freePort } from '../../src/dev/ports';

declare global {
  var __REFUNDS_TEST_SERVER__: DevServer | undefined;
}

/**
 * Once per `npm test`: a real Temporal dev server of our own (free ports, in-memory database, so it
 * never touches `npm start`'s), and the workflow code bundled once for every test file's worker.
 */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'refunds-test-'));
  process.env.TEST_LOG_DIR = path.join(dir, 'logs');
  mkdirSync(process.env.TEST_LOG_DIR);
  // The dev server's own output goes to the suite's logs too: the teardown scans it with the rest.
  const logger = createLogger({
    level: 'debug',
    pretty: false,
    name: 'test-setup',
    destination: pino.destination({ dest: path.join(process.env.TEST_LOG_DIR, 'dev-server.log'), sync: true }),
  });
  const cli = await ensureTemporalCli((line) => process.stderr.write(`${line}\n`));
  const [port, uiPort] = [await freePort(), await freePort()];
  const server = await startDevServer({
    cliPath: cli.path,
    ip: '127.0.0.1',
    port,
    uiPort,
    dbFile: undefined,
    namespace: 'default',
    logger,
  });
  globalThis.__REFUNDS_TEST_SERVER__ = server;
  process.env.TEST_TEMPORAL_CLI = cli.path;
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_TEMPORAL_UI_URL = server.uiUrl;

  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
}
