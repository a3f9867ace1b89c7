import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import type { Logger } from '../logger';

import { startDevServer } from './dev-server';
import { ensureTemporalCli, projectRoot } from './temporal-cli';

/**
 * `npm start`: the whole stack on one machine. The Temporal dev server (SQLite under `.data/`, so
 * refunds survive a restart; Web UI on TEMPORAL_UI_PORT), the provider sandbox and the worker, each
 * its own process. One Ctrl-C (or SIGTERM) stops the worker and sandbox first, then the server.
 */

interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

function startService(name: string, entry: string, logger: Logger, env: NodeJS.ProcessEnv): Service {
  const tsxCli = require.resolve('tsx/cli');
  const child = spawn(process.execPath, [tsxCli, path.join(projectRoot, entry)], { stdio: 'inherit', env });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      logger.info({ service: name, code, signal }, `${name} exited`);
      resolve(code);
    })
  );
  return { name, child, exited };
}

function splitAddress(address: string): { ip: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(address);
  if (!match?.[1] || !match[2]) throw new ConfigError([`TEMPORAL_ADDRESS: expected host:port, got ${address}`]);
  return { ip: match[1], port: Number(match[2]) };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'start' });
  if (config.api.tokens.length === 0) {
    logger.warn(
      `The API runs without tokens, on ${config.listenHost} only: set API_TOKENS (<name>@<scope>+<scope>=<token>) to require them`
    );
  }
  const cli = await ensureTemporalCli((line) => logger.info(line));
  const { ip, port } = splitAddress(config.temporal.address);

  const server = await startDevServer({
    cliPath: cli.path,
    ip,
    port,
    uiPort: config.temporal.uiPort,
    dbFile: path.resolve(projectRoot, config.temporal.dbFile),
    // With payload encryption, the UI asks the API's codec endpoint to show payloads decrypted.
    ...(config.temporal.encryptionKeys.length > 0 && {
      codecEndpoint: `http://127.0.0.1:${config.api.port}/codec`,
    }),
    namespace: config.temporal.namespace,
    logger,
    detached: true,
  });
  logger.info({ address: server.address, db: config.temporal.dbFile, cli: cli.path }, 'Temporal dev server is up');

  // GetPaid's webhooks go from the sandbox to the API's receiver, with a secret made for this run
  // unless one is configured: the same path as in production.
  const webhookSecret = process.env.GETPAID_WEBHOOK_SECRET ?? randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = {
    // The development defaults the demo shows: refunds above €1,000 wait for approval, and the
    // demo's callbacks may go to a receiver on this machine.
    APPROVAL_THRESHOLDS: 'EUR:100000',
    CALLBACK_ALLOW_LOOPBACK: 'true',
    ...process.env,
    GETPAID_WEBHOOK_SECRET: webhookSecret,
    GETPAID_WEBHOOK_URL:
      process.env.GETPAID_WEBHOOK_URL ??
      `http://127.0.0.1:${config.api.port}/v1/webhooks/getpaid?token=${webhookSecret}`,
  };
  const services = [
    startService('sandbox', 'src/sandbox/main.ts', logger, env),
    startService('worker', 'src/worker.ts', logger, env),
    startService('api', 'src/api/main.ts', logger, env),
  ];
  logger.info(
    `Ready. Temporal UI: ${server.uiUrl ?? '(headless)'}  ·  API: http://127.0.0.1:${config.api.port}  ·  sandbox: http://127.0.0.1:${config.sandbox.port}  ·  Ctrl-C stops everything`
  );

  let stopping: Promise<never> | undefined;
  const stopAll = (reason: string, exitCode: number): Promise<never> => {
    stopping ??= (async () => {
      logger.info(`stopping (${reason})…`);
      for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
      await Promise.all(services.map((s) => s.exited));
      await server.stop();
      logger.info('stopped');
      process.exit(exitCode);
    })();
    return stopping;
  };

  process.on('SIGINT', () => void stopAll('SIGINT', 0));
  process.on('SIGTERM', () => void stopAll('SIGTERM', 0));
  server.process.once('exit', () => void stopAll('the Temporal server exited', 1));
  for (const s of services) void s.exited.then(() => stopAll(`${s.name} exited unexpectedly`, 1));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
