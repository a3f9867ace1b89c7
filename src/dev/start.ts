import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { Connection } from '@temporalio/client';

import { ConfigError, loadConfig } from '../config';
import type { Config } from '../config';
import { createLogger } from '../logger';
import { SHUTDOWN_BOUND_MARGIN_MS } from '../temporal/shutdown-bound';
import type { Logger } from '../logger';

import { answers, workerPolls } from './readiness';
import { startDevServer } from './dev-server';
import type { DevServer, DevServerOptions } from './dev-server';
import { Supervisor } from './supervisor';
import type { ServiceSpec } from './supervisor';
import { ensureTemporalCli, projectRoot } from './temporal-cli';

/**
 * `npm start`: the whole stack on one machine, supervised. The Temporal dev server (SQLite under
 * `.data/`, so refunds survive a restart; Web UI on TEMPORAL_UI_PORT), the provider sandbox, the
 * worker and the API, each its own process, each restarted when it exits on its own. "Ready." is
 * said once the sandbox and the API answer and the worker polls every queue. One Ctrl-C (or
 * SIGTERM) stops the API, then the worker (it drains: "worker stopped"), the sandbox, and the
 * server last.
 */

function splitAddress(address: string): { ip: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(address);
  if (!match?.[1] || !match[2]) throw new ConfigError([`TEMPORAL_ADDRESS: expected host:port, got ${address}`]);
  return { ip: match[1], port: Number(match[2]) };
}

/**
 * A dev server left by an earlier `npm start` that was killed outright (SIGKILL: it had no chance
 * to stop it) still holds the port and the SQLite file: stopped before a new one starts. Only a
 * process that is that server (its pid recorded at start, its command line `temporal server
 * start-dev`) is stopped.
 */
async function stopLeftoverServer(pidFile: string, dbFile: string, logger: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  // Ours: `temporal server start-dev` on this very SQLite file (a reused pid is someone else's).
  const isOurServer = (): boolean => {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return args.includes('start-dev') && args.includes(dbFile);
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 0 || !isOurServer()) return;
  logger.warn({ pid }, 'a Temporal dev server from an earlier run still runs: stopping it');
  try {
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; waited < 10_000 && isOurServer(); waited += 200) await new Promise((r) => setTimeout(r, 200));
    if (isOurServer()) process.kill(pid, 'SIGKILL');
  } catch (err) {
    logger.warn({ pid, err }, 'could not stop the earlier Temporal dev server; starting may fail on its port');
  }
}

/**
 * Without API_TOKENS, `npm start` makes a token for this machine (all three scopes), kept in a
 * file only its user can read, so the API is never open, not even on loopback. The token itself is
 * never logged.
 */
function developmentApiToken(config: Config, dataDir: string): { setting: string; file: string } | undefined {
  if (config.api.tokens.length > 0 || process.env.API_TOKENS_FILE !== undefined) return undefined;
  const file = path.join(dataDir, 'api-token');
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    token = `dev-${randomBytes(24).toString('base64url')}`;
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
  }
  return { setting: `development@refunds:create+refunds:read+refunds:operate=${token}`, file };
}

/** What an operator needs once everything answers: where to look, with the queries computed now. */
function readyMessage(config: Config, uiUrl: string | undefined, tokenFile: string | undefined): string {
  const list = (query: string): string =>
    `${uiUrl}/namespaces/${config.temporal.namespace}/workflows?query=${encodeURIComponent(query)}`;
  const threeDaysAgo = new Date(Date.now() - 3 * 24 * 3_600_000).toISOString();
  const api = `http://127.0.0.1:${config.api.port}`;
  const lines = [
    'Ready. Ctrl-C stops everything.',
    ...(uiUrl === undefined
      ? ['  Temporal UI:        (headless)']
      : [
          `  Temporal UI:        ${list('WorkflowType = "refund"')}`,
          `  needing attention:  ${list('WorkflowType = "refund" AND NeedsAttention = true')}`,
          `  awaiting approval:  ${list('RefundStatus = "AWAITING_APPROVAL"')}`,
          `  SecPaid in review for more than 3 days: ${list(`RefundStatus = "PENDING_REVIEW" AND StartTime < "${threeDaysAgo}"`)}`,
        ]),
    `  API:                ${api}  (OpenAPI: ${api}/openapi.json${tokenFile ? `; token: Authorization: Bearer $(cat ${path.relative(projectRoot, tokenFile)})` : ''})`,
    `  sandbox:            http://127.0.0.1:${config.sandbox.port}`,
    ...(config.metrics.port === 0 ? [] : [`  worker metrics:     http://127.0.0.1:${config.metrics.port}/metrics`]),
    '  next: npm run demo',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty, name: 'start' });
  const cli = await ensureTemporalCli((line) => logger.info(line));
  const { ip, port } = splitAddress(config.temporal.address);

  const serverOptions: DevServerOptions = {
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
  };
  // Next to the server's SQLite file, whose directory the server's start creates.
  const pidFile = `${path.resolve(projectRoot, config.temporal.dbFile)}.server-pid`;
  await stopLeftoverServer(pidFile, path.resolve(projectRoot, config.temporal.dbFile), logger);
  const server = await startDevServer(serverOptions);
  const recordPid = (running: DevServer): void => writeFileSync(pidFile, String(running.process.pid ?? ''));
  recordPid(server);
  logger.info({ address: server.address, db: config.temporal.dbFile, cli: cli.path }, 'Temporal dev server is up');

  // GetPaid's webhooks go from the sandbox to the API's receiver, with a secret made for this run
  // unless one is configured: the same path as in production.
  const webhookSecret = process.env.GETPAID_WEBHOOK_SECRET ?? randomBytes(24).toString('hex');
  const apiToken = developmentApiToken(config, path.dirname(pidFile));
  const env: NodeJS.ProcessEnv = {
    // The development defaults the demo shows: refunds above €1,000 wait for approval, the demo's
    // callbacks may go to a receiver on this machine.
    APPROVAL_THRESHOLDS: 'EUR:100000',
    CALLBACK_ALLOW_LOOPBACK: 'true',
    // SecPaid's reconciler passes as often as its share of the rate allows (every ~14 s), not every
    // 5 min: an approval in the sandbox shows within seconds.
    SECPAID_RECONCILE_INTERVAL_MS: '10000',
    ...process.env,
    ...(apiToken && { API_TOKENS: apiToken.setting }),
    GETPAID_WEBHOOK_SECRET: webhookSecret,
    GETPAID_WEBHOOK_URL:
      process.env.GETPAID_WEBHOOK_URL ??
      `http://127.0.0.1:${config.api.port}/v1/webhooks/getpaid?token=${webhookSecret}`,
  };
  const connection = await Connection.connect({ address: server.address });
  const local = (port: number, route: string): string => `http://127.0.0.1:${port}${route}`;
  const services: ServiceSpec[] = [
    {
      name: 'sandbox',
      run: { entry: path.join(projectRoot, 'src/sandbox/main.ts') },
      ready: () => answers(local(config.sandbox.port, '/_sandbox/meta')),
      stopGraceMs: 5_000,
    },
    {
      name: 'worker',
      run: { entry: path.join(projectRoot, 'src/worker.ts') },
      ready: (pid) => workerPolls(connection, config.temporal, pid),
      // Its own bound (the grace for activities in flight, then 5 s), and a margin: a worker given
      // a longer grace is not killed before its drain is over.
      stopGraceMs: config.workerShutdownGraceMs + SHUTDOWN_BOUND_MARGIN_MS + 10_000,
    },
    {
      name: 'api',
      run: { entry: path.join(projectRoot, 'src/api/main.ts') },
      ready: () => answers(local(config.api.port, '/healthz')),
      stopGraceMs: 10_000,
    },
  ];

  let current: DevServer = server;
  let stopping: Promise<never> | undefined;
  const stopAll = (reason: string, exitCode: number): Promise<never> => {
    stopping ??= (async () => {
      logger.info(`stopping (${reason}): the API, then the worker (it drains), the sandbox, the Temporal server`);
      await supervisor.stop(['api', 'worker', 'sandbox']);
      await connection.close();
      await current.stop();
      rmSync(pidFile, { force: true });
      logger.info('stopped');
      process.exit(exitCode);
    })();
    return stopping;
  };
  const supervisor = new Supervisor(services, env, logger, (reason) => void stopAll(reason, 1));
  process.on('SIGINT', () => void stopAll('SIGINT', 0));
  process.on('SIGTERM', () => void stopAll('SIGTERM', 0));
  // The server is restarted on the same SQLite file; the services reconnect on their own.
  const serverExits: number[] = [];
  const watchServer = (running: DevServer): void => {
    running.process.once('exit', () => {
      if (stopping) return;
      const at = Date.now();
      serverExits.push(at);
      if (serverExits.filter((t) => at - t < 5 * 60_000).length > 3) {
        void stopAll('the Temporal dev server exited 4 times within 5 minutes', 1);
        return;
      }
      logger.warn('the Temporal dev server exited on its own; restarting it');
      startDevServer(serverOptions)
        .then((restarted) => {
          current = restarted;
          recordPid(restarted);
          logger.info('the Temporal dev server is back');
          watchServer(restarted);
        })
        .catch((err: unknown) => void stopAll(`the Temporal server cannot restart: ${(err as Error).message}`, 1));
    });
  };
  watchServer(server);

  supervisor.startAll();
  if (await supervisor.whenReady(120_000)) {
    logger.info(readyMessage(config, server.uiUrl, apiToken?.file));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
