import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { Connection } from '@temporalio/client';
import { z } from 'zod';

import type { Logger } from '../../logger';
import { frontendAnswers } from '../dev-server';
import { portFree } from '../ports';
import { writeAtomically } from '../atomic-file';
import { answers, workerPolls } from '../readiness';
import { Supervisor } from '../supervisor';
import type { ServiceSpec } from '../supervisor';
import { ensureTemporalCli, projectRoot } from '../temporal-cli';

import { ensurePostgres, initPostgres, postgresService } from './postgres';
import { ensureClusterTools } from './tools';
import type { ClusterTools } from './tools';

/**
 * `npm run cluster`: docker-compose.yml's topology on this machine, without Docker. PostgreSQL on a
 * data folder of its own; Temporal's schema applied by deploy/temporal/setup-postgres.sh with
 * Temporal's own SQL tool; Temporal's own server (the release compose runs, with its embedded
 * configuration and the same settings) with deploy/temporal/dynamicconfig/refunds.yaml; the
 * namespace by deploy/temporal/create-namespace.sh and the search attributes by lib/temporal/setup.js;
 * the Web UI; then the provider sandbox, the workers and the API from the production build (lib/,
 * production packages only). Each is supervised and restarted when it exits on its own (compose's
 * `restart: unless-stopped`); Ctrl-C stops them in the reverse order. The data stays in the data
 * folder: a second run reuses it.
 */

const port = z.coerce.number().int().min(1).max(65_535);

/** The frontend's port keeps every derived one (membership at −300, metrics at +767) valid for Temporal. */
export const MIN_FRONTEND_PORT = 1_324;
export const MAX_FRONTEND_PORT = 32_767 + 294;

/** Its settings, from the environment: the names `npm start` reads where they mean the same. */
export const clusterEnv = z.object({
  /** Where PostgreSQL's data, the logs and the cluster's own secrets are kept. */
  CLUSTER_DATA_DIR: z.string().min(1).default('.cluster'),
  CLUSTER_WORKERS: z.coerce.number().int().min(1).max(8).default(2),
  CLUSTER_POSTGRES_PORT: port.default(5433),
  /**
   * The workers' and the API's NODE_ENV: production, as compose's images; `development` lets the
   * test's workers run at a REFUND_TIME_SCALE (production refuses it).
   */
  CLUSTER_NODE_ENV: z.enum(['production', 'development']).default('production'),
  /** The frontend's address; the server's other ports follow its port, as Temporal's defaults follow 7233. */
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^127\.0\.0\.1:\d+$/, 'expected 127.0.0.1:<port>: the cluster listens on loopback only')
    .refine((a) => {
      const frontend = Number(a.split(':')[1]);
      return frontend >= MIN_FRONTEND_PORT && frontend <= MAX_FRONTEND_PORT;
    }, `the port must be within ${MIN_FRONTEND_PORT}–${MAX_FRONTEND_PORT}: Temporal's other ports follow it, and it stores their membership ports as a smallint (at most 32767)`)
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_PORT: port.default(8080),
  API_PORT: port.default(3000),
  SANDBOX_PORT: port.default(4010),
  /** The first worker's metrics port; the next ones count up from it. */
  METRICS_PORT: port.default(9464),
});
export type ClusterSettings = z.infer<typeof clusterEnv>;

/** What `<data folder>/cluster.json` says while the cluster runs: where everything is, each service's pid. */
export interface ClusterFile {
  /** The `npm run cluster` process that runs them: a second one on the same data folder refuses to start. */
  readonly clusterPid: number;
  readonly temporalAddress: string;
  readonly uiUrl: string;
  readonly apiUrl: string;
  readonly sandboxUrl: string;
  readonly pids: Readonly<Record<string, number>>;
  /** The command line of each pid, so that a later run stops only what is really ours. */
  readonly commands: Readonly<Record<string, string>>;
}

export interface RunningCluster {
  readonly file: ClusterFile;
  /** Stops everything in order; the data stays. */
  stop(reason: string): Promise<void>;
  /** Resolves when a service keeps crashing and the cluster gave up (it is stopping then). */
  readonly givenUp: Promise<string>;
}

/** Temporal's ports, from the frontend's as the defaults are from 7233 (history 7234 … membership 6933 …). */
function temporalPorts(frontend: number): Record<string, string> {
  return {
    FRONTEND_GRPC_PORT: String(frontend),
    HISTORY_GRPC_PORT: String(frontend + 1),
    MATCHING_GRPC_PORT: String(frontend + 2),
    INTERNAL_FRONTEND_GRPC_PORT: String(frontend + 3),
    WORKER_GRPC_PORT: String(frontend + 6),
    FRONTEND_HTTP_PORT: String(frontend + 10),
    INTERNAL_FRONTEND_HTTP_PORT: String(frontend + 13),
    FRONTEND_MEMBERSHIP_PORT: String(frontend - 300),
    HISTORY_MEMBERSHIP_PORT: String(frontend - 299),
    MATCHING_MEMBERSHIP_PORT: String(frontend - 298),
    INTERNAL_FRONTEND_MEMBERSHIP_PORT: String(frontend - 297),
    WORKER_MEMBERSHIP_PORT: String(frontend - 294),
    PROMETHEUS_ENDPOINT: `127.0.0.1:${frontend + 767}`,
  };
}

/** A path as a person reads it: relative inside the project, absolute outside. */
export function shown(file: string): string {
  const relative = path.relative(projectRoot, file);
  return relative.startsWith('..') ? file : relative;
}

/** A secret made once for this data folder, kept in a file only its user can read. */
function folderSecret(dataDir: string, name: string): string {
  const file = path.join(dataDir, 'secrets', name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** deploy/sandbox.env, compose's settings for `--profile sandbox`, with the sandbox on this machine. */
function sandboxEnvFile(sandboxUrl: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path.join(projectRoot, 'deploy', 'sandbox.env'), 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) {
      env[match[1]] = match[2].replace('http://sandbox:4010', sandboxUrl);
    }
  }
  return env;
}

/** A one-shot of compose (`restart: on-failure:5`): run until it exits 0, at most five times; its output is logged. */
async function runOnce(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  logger: Logger
): Promise<string> {
  let last = '';
  for (let attempt = 1; attempt <= 5; attempt += 1) {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(command, args, { env, cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      for (const stream of [child.stdout, child.stderr]) {
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          text += chunk;
          appendFileSync(logFile, chunk);
        });
      }
      child.on('error', reject);
      child.on('exit', (status) => resolve({ code: status, output: text }));
    });
    if (code === 0) return output;
    last = output.slice(-2000);
    logger.warn(`${name} exited ${String(code)} (attempt ${attempt} of 5); trying again in 2 s`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
  throw new Error(`${name} failed five times; the last output:\n${last}`);
}

const commandOf = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
};

/**
 * Before a run: refuses while another cluster process runs on the data folder, and stops what a run
 * killed outright left (only processes whose command line is still the one recorded), in stop order.
 */
async function stopLeftovers(fileName: string, order: readonly string[], logger: Logger): Promise<void> {
  let earlier: ClusterFile;
  try {
    earlier = JSON.parse(readFileSync(fileName, 'utf8')) as ClusterFile;
  } catch {
    return;
  }
  const cluster = earlier.commands.cluster;
  if (cluster !== undefined && earlier.clusterPid !== process.pid && commandOf(earlier.clusterPid) === cluster) {
    throw new Error(
      `another cluster (pid ${earlier.clusterPid}) runs on ${shown(path.dirname(fileName))}: stop it first`
    );
  }
  const names = [...order, ...Object.keys(earlier.pids).filter((n) => !order.includes(n))];
  for (const name of names) {
    const pid = earlier.pids[name];
    if (pid === undefined || name === 'cluster' || commandOf(pid) !== earlier.commands[name]) continue;
    logger.warn({ pid }, `${name} from an earlier run still runs: stopping it`);
    process.kill(pid, name === 'postgresql' ? 'SIGINT' : 'SIGTERM');
    for (let waited = 0; waited < 30_000 && commandOf(pid) !== undefined; waited += 200) {
      await new Promise((r) => setTimeout(r, 200));
    }
    if (commandOf(pid) !== undefined) process.kill(pid, 'SIGKILL');
  }
}

export interface ClusterOptions {
  /** `temporal`: PostgreSQL, Temporal and its one-shots only (the bench brings its own workers). */
  readonly services?: 'all' | 'temporal';
  /** A Ctrl-C during start-up: what has started is stopped, and start-up throws. */
  readonly signal?: AbortSignal;
}

export async function startCluster(
  settings: ClusterSettings,
  logger: Logger,
  options: ClusterOptions = {}
): Promise<RunningCluster> {
  const progress = (line: string): void => logger.info(line);
  const dataDir = path.resolve(projectRoot, settings.CLUSTER_DATA_DIR);
  const logs = path.join(dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  const fileName = path.join(dataDir, 'cluster.json');
  const workerNames = Array.from({ length: settings.CLUSTER_WORKERS }, (_, i) => `worker-${i + 1}`);
  const stopOrder = ['api', ...workerNames, 'sandbox', 'temporal-ui', 'temporal', 'postgresql'];
  await stopLeftovers(fileName, stopOrder, logger);
  const frontendPort = Number(settings.TEMPORAL_ADDRESS.split(':')[1]);
  const ports: Record<string, number> = {
    ...Object.fromEntries(Object.entries(temporalPorts(frontendPort)).map(([k, v]) => [k, Number(v.split(':').pop())])),
    CLUSTER_POSTGRES_PORT: settings.CLUSTER_POSTGRES_PORT,
    ...(options.services !== 'temporal' && {
      TEMPORAL_UI_PORT: settings.TEMPORAL_UI_PORT,
      API_PORT: settings.API_PORT,
      SANDBOX_PORT: settings.SANDBOX_PORT,
      ...Object.fromEntries(workerNames.map((n, i) => [`METRICS_PORT (${n})`, settings.METRICS_PORT + i])),
    }),
  };
  const taken: string[] = [];
  for (const [name, port] of Object.entries(ports)) if (!(await portFree(port))) taken.push(`${name} ${port}`);
  if (taken.length > 0) throw new Error(`ports in use (another cluster or npm start?): ${taken.join(', ')}`);

  const cli = await ensureTemporalCli(progress);
  const tools: ClusterTools = await ensureClusterTools(progress);
  const pgBin = ensurePostgres(progress);
  progress('npm run build (the production build the workers and the API run)…');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: projectRoot, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${String(build.status)})`);
  // The production packages only: a require() that resolves elsewhere fails, naming the package.
  const packagesFile = path.join(dataDir, 'production-packages.txt');
  const ls = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: projectRoot, encoding: 'utf8' });
  writeFileSync(packagesFile, ls.stdout);

  const postgres = {
    dataDir: path.join(dataDir, 'postgres'),
    port: settings.CLUSTER_POSTGRES_PORT,
    user: 'temporal',
    password: folderSecret(dataDir, 'postgres-password'),
  };
  const created = initPostgres(pgBin, postgres, progress);
  if (!created) progress(`PostgreSQL data folder reused: ${postgres.dataDir}`);

  const address = settings.TEMPORAL_ADDRESS;
  const sandboxUrl = `http://127.0.0.1:${settings.SANDBOX_PORT}`;
  const apiUrl = `http://127.0.0.1:${settings.API_PORT}`;
  const uiUrl = `http://127.0.0.1:${settings.TEMPORAL_UI_PORT}`;
  const { PATH } = process.env;
  const cliDir = path.dirname(cli.path);

  // The orchestrator's processes: compose's `x-refunds` settings, this cluster's secrets and ports.
  const webhookSecret = folderSecret(dataDir, 'getpaid-webhook-secret');
  const apiToken = folderSecret(dataDir, 'api-token');
  // Each process gets only its own settings: the orchestrator's secrets never reach Temporal or PostgreSQL.
  const baseEnv: NodeJS.ProcessEnv = { PATH, HOME: process.env.HOME, TZ: process.env.TZ };
  const refundsEnv: NodeJS.ProcessEnv = {
    ...baseEnv,
    ...sandboxEnvFile(sandboxUrl),
    NODE_ENV: settings.CLUSTER_NODE_ENV,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: settings.TEMPORAL_NAMESPACE,
    LOG_LEVEL: 'info',
    WORKFLOW_BUNDLE: path.join(projectRoot, 'lib', 'workflow-bundle.js'),
    API_PORT: String(settings.API_PORT),
    SANDBOX_PORT: String(settings.SANDBOX_PORT),
    API_TOKENS: `cluster@refunds:create+refunds:read+refunds:operate=${apiToken}`,
    GETPAID_WEBHOOK_SECRET: webhookSecret,
    GETPAID_WEBHOOK_URL: `${apiUrl}/v1/webhooks/getpaid?token=${webhookSecret}`,
    CALLBACK_SIGNING_SECRET: folderSecret(dataDir, 'callback-signing-secret'),
    // SecPaid's reconciler passes as often as its share of the rate allows (as `npm start`), at the
    // share given (the test's refunds are read back faster).
    SECPAID_RECONCILE_INTERVAL_MS: '10000',
    ...(process.env.SECPAID_RECONCILE_READ_SHARE !== undefined && {
      SECPAID_RECONCILE_READ_SHARE: process.env.SECPAID_RECONCILE_READ_SHARE,
    }),
    // A development cluster's workers may run the refunds' waits faster (the test's); production refuses it.
    ...(process.env.REFUND_TIME_SCALE !== undefined && { REFUND_TIME_SCALE: process.env.REFUND_TIME_SCALE }),
    NODE_OPTIONS: `--require ${path.join(projectRoot, 'scripts', 'production-dependencies-only.cjs')}`,
    PRODUCTION_PACKAGES_FILE: packagesFile,
  };
  const node = (script: string): ServiceSpec['run'] => ({
    command: process.execPath,
    args: [path.join(projectRoot, 'lib', script)],
  });
  const connection = { current: undefined as Connection | undefined };
  const temporalSettings = { taskQueue: 'refunds', namespace: settings.TEMPORAL_NAMESPACE };
  const workers: ServiceSpec[] = workerNames.map((name, i) => ({
    name,
    run: node('worker.js'),
    // Compose's worker: a cache of 500 workflows (README, Performance).
    env: { ...refundsEnv, METRICS_PORT: String(settings.METRICS_PORT + i), WORKER_MAX_CACHED_WORKFLOWS: '500' },
    logFile: path.join(logs, `worker-${i + 1}.log`),
    ready: async (pid) => {
      connection.current ??= await Connection.connect({ address });
      return workerPolls(connection.current, temporalSettings, pid);
    },
    stopGraceMs: 45_000,
  }));
  const services: ServiceSpec[] = [
    postgresService(pgBin, postgres, path.join(logs, 'postgresql.log')),
    {
      name: 'temporal',
      // No authorizer, as compose's server: it listens on loopback only.
      run: { command: tools.server, args: ['--allow-no-auth', 'start'] },
      // The settings compose gives temporalio/server, read by the server's embedded configuration.
      env: {
        DB: 'postgres12',
        DB_PORT: String(postgres.port),
        POSTGRES_SEEDS: '127.0.0.1',
        POSTGRES_USER: postgres.user,
        POSTGRES_PWD: postgres.password,
        BIND_ON_IP: '127.0.0.1',
        TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
        DYNAMIC_CONFIG_FILE_PATH: path.join(projectRoot, 'deploy', 'temporal', 'dynamicconfig', 'refunds.yaml'),
        LOG_LEVEL: 'warn',
        ...temporalPorts(frontendPort),
      },
      cwd: dataDir,
      logFile: path.join(logs, 'temporal.log'),
      ready: () => frontendAnswers(address).catch(() => false),
      stopGraceMs: 30_000,
    },
    {
      name: 'temporal-ui',
      run: {
        command: tools.uiServer,
        args: ['--root', path.join(projectRoot, 'deploy', 'temporal'), '--config', 'ui', '--env', 'cluster', 'start'],
      },
      env: {
        TEMPORAL_ADDRESS: address,
        TEMPORAL_UI_PORT: String(settings.TEMPORAL_UI_PORT),
        TEMPORAL_DEFAULT_NAMESPACE: settings.TEMPORAL_NAMESPACE,
      },
      logFile: path.join(logs, 'temporal-ui.log'),
      ready: () => answers(uiUrl).catch(() => false),
      stopGraceMs: 10_000,
    },
    {
      name: 'sandbox',
      run: node('sandbox/main.js'),
      // As compose's sandbox service: not production, its state in a file (here the data folder), and
      // none of the orchestrator's secrets but the webhook it delivers GetPaid's events with.
      env: {
        ...baseEnv,
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        SANDBOX_PORT: String(settings.SANDBOX_PORT),
        SANDBOX_STATE_FILE: path.join(dataDir, 'sandbox-state.json'),
        GETPAID_WEBHOOK_SECRET: webhookSecret,
        GETPAID_WEBHOOK_URL: `${apiUrl}/v1/webhooks/getpaid?token=${webhookSecret}`,
        ...(process.env.SANDBOX_STRICT_DOCS !== undefined && { SANDBOX_STRICT_DOCS: process.env.SANDBOX_STRICT_DOCS }),
      },
      logFile: path.join(logs, 'sandbox.log'),
      ready: () => answers(`${sandboxUrl}/_sandbox/meta`).catch(() => false),
      stopGraceMs: 10_000,
    },
    ...workers,
    {
      name: 'api',
      run: node('api/main.js'),
      env: refundsEnv,
      logFile: path.join(logs, 'api.log'),
      ready: () => answers(`${apiUrl}/healthz`).catch(() => false),
      stopGraceMs: 20_000,
    },
  ];

  let giveUp: (reason: string) => void = () => undefined;
  const givenUp = new Promise<string>((resolve) => {
    giveUp = resolve;
  });
  const supervisor = new Supervisor(services, baseEnv, logger, (reason) => giveUp(reason));
  // Every pid is on disk from its spawn: a run killed during start-up leaves nothing unknown.
  supervisor.onSpawn = () => record();
  const recorder: { timer?: NodeJS.Timeout } = {};
  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info(`stopping (${reason}): the API, the workers (they drain), the sandbox, the UI, Temporal, PostgreSQL`);
      clearInterval(recorder.timer);
      supervisor.onSpawn = () => undefined;
      await supervisor.stop(stopOrder);
      await connection.current?.close();
      writeAtomically(fileName, JSON.stringify({ ...file(), pids: {}, commands: {} }, null, 2));
      logger.info(`stopped; the data stays in ${shown(dataDir)}`);
    })();
    return stopping;
  };
  const interrupted = new Promise<false>((resolve) =>
    options.signal?.addEventListener('abort', () => resolve(false), { once: true })
  );
  const ready = async (names: string[], what: string): Promise<void> => {
    if (!(await Promise.race([supervisor.whenReady(180_000, supervisor.named(...names)), interrupted]))) {
      step();
      await stop(`${what} is not ready`);
      throw new Error(`${what} did not get ready within 3 min: see ${shown(logs)}/`);
    }
  };
  const file = (): ClusterFile => {
    const pids: Record<string, number> = {};
    const commands: Record<string, string> = {};
    for (const service of services) {
      const pid = supervisor.pidOf(service.name);
      if (pid === undefined) continue;
      pids[service.name] = pid;
      // Undefined when it has just exited: the next write records its successor.
      const command = commandOf(pid);
      if (command !== undefined) commands[service.name] = command;
    }
    commands.cluster = commandOf(process.pid) ?? '';
    return { clusterPid: process.pid, temporalAddress: address, uiUrl, apiUrl, sandboxUrl, pids, commands };
  };
  const record = (): void => writeAtomically(fileName, JSON.stringify(file(), null, 2));

  const step = (): void => {
    if (options.signal?.aborted) throw new Error('interrupted during start-up');
  };
  try {
    step();
    supervisor.startAll(['postgresql']);
    await ready(['postgresql'], 'PostgreSQL');
    const oneShotEnv = {
      ...baseEnv,
      PATH: `${tools.sqlToolDir}${path.delimiter}${cliDir}${path.delimiter}${PATH ?? ''}`,
    };
    await runOnce(
      'temporal-schema (deploy/temporal/setup-postgres.sh)',
      'sh',
      [path.join(projectRoot, 'deploy', 'temporal', 'setup-postgres.sh')],
      {
        ...oneShotEnv,
        POSTGRES_SEEDS: '127.0.0.1',
        DB_PORT: String(postgres.port),
        POSTGRES_USER: postgres.user,
        SQL_PASSWORD: postgres.password,
        SCHEMA_DIR: tools.schemaDir,
      },
      path.join(logs, 'temporal-schema.log'),
      logger
    );
    step();
    supervisor.startAll(['temporal']);
    await ready(['temporal'], 'the Temporal server');
    step();
    await runOnce(
      'temporal-namespace (deploy/temporal/create-namespace.sh)',
      'sh',
      [path.join(projectRoot, 'deploy', 'temporal', 'create-namespace.sh')],
      { ...oneShotEnv, TEMPORAL_ADDRESS: address, NAMESPACE: settings.TEMPORAL_NAMESPACE, RETENTION: '30d' },
      path.join(logs, 'temporal-namespace.log'),
      logger
    );
    step();
    await runOnce(
      'refunds-setup (lib/temporal/setup.js)',
      process.execPath,
      [path.join(projectRoot, 'lib', 'temporal', 'setup.js')],
      refundsEnv,
      path.join(logs, 'refunds-setup.log'),
      logger
    );
    step();
    if (options.services !== 'temporal') {
      const rest = ['temporal-ui', 'sandbox', ...workers.map((w) => w.name), 'api'];
      supervisor.startAll(rest);
      await ready(rest, 'the UI, the sandbox, the workers and the API');
    }
  } catch (err) {
    await stop('it could not start');
    throw err;
  }
  record();
  // The pids change when the supervisor restarts a service: the file follows.
  recorder.timer = setInterval(record, 2_000);
  recorder.timer.unref();
  return { file: file(), stop, givenUp };
}
