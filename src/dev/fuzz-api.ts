import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

import type { Client } from '@temporalio/client';
import pino from 'pino';
import pretty from 'pino-pretty';

import type { ApiDeps } from '../api/server';
import { buildApi } from '../api/server';
import { RefundsClient } from '../client';
import { loadConfig } from '../config';
import type { Config } from '../config';
import { createLogger } from '../logger';
import type { Logger } from '../logger';
import { sandboxProviderEnv } from '../providers/settings';
import { buildSandbox } from '../sandbox/server';
import { connectClient } from '../temporal/connection';

import { startDevServer } from './dev-server';
import { freePort } from './ports';
import { ensureTemporalCli, projectRoot } from './temporal-cli';

/**
 * `npm run fuzz:api`: schemathesis, generated from the API's own OpenAPI document, against a stack
 * of this script's own (Temporal dev server in memory, provider sandbox, worker, API; every one on
 * a free loopback port). Three runs: without a token and with a wrong one (nothing may change:
 * the namespace's workflows and the sandbox's ledger are compared before and after), then with a
 * valid token (every check schemathesis has). Any 5xx, any answer the document does not describe,
 * any effect without auth is a finding; the script exits 1 on any, and writes its summary to
 * `.data/fuzz-api-last.json`.
 */

const SCHEMATHESIS_VERSION = '4.32.5';
const venvDir = path.join(projectRoot, '.tools', 'schemathesis-venv');
const stBin = path.join(venvDir, 'bin', 'st');
const dataDir = path.join(projectRoot, '.data');
const workDir = path.join(dataDir, 'fuzz-api');
const summaryFile = path.join(dataDir, 'fuzz-api-last.json');
const LOOPBACK = '127.0.0.1';

/** A positive integer from the environment, or the default; a bad value stops the script. */
function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: expected a positive integer, got ${raw}`);
  return value;
}

const settings = {
  maxExamples: envInt('FUZZ_MAX_EXAMPLES', 30),
  /** Each schemathesis run is killed after this long: three runs and the stack stay within ~10 minutes. */
  runTimeoutS: envInt('FUZZ_RUN_TIMEOUT_S', 150),
  /** Random unless set; printed, so that a CI failure can be replayed with FUZZ_SEED=<seed>. */
  seed: envInt('FUZZ_SEED', randomInt(1, 2 ** 31)),
  /**
   * One by default: with more, Hypothesis's lambda-source parsing races in CPython 3.11's `ast`
   * ("AST constructor recursion depth mismatch"), an error of the tool, not of the API.
   */
  workers: envInt('FUZZ_WORKERS', 1),
};

/** The script's own lines: human-readable, synchronous (they interleave with schemathesis's output in order). */
const log: Logger = createLogger({
  level: 'info',
  name: 'fuzz-api',
  destination: pretty({
    sync: true,
    colorize: process.stdout.isTTY === true,
    ignore: 'pid,hostname,name',
    translateTime: 'SYS:HH:MM:ss',
  }),
});

// ---------------------------------------------------------------------------------------------
// Cleanup: everything started registers how to stop it; stopped in reverse, once, even on error.

const stoppers: { readonly name: string; readonly stop: () => Promise<void> }[] = [];
let activeChild: ChildProcess | undefined;
/** What went wrong with the stack itself during the runs (a worker that died): the runs prove nothing then. */
const stackProblems: string[] = [];

function onStop(name: string, stop: () => Promise<void>): void {
  stoppers.push({ name, stop });
}

let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    if (activeChild && activeChild.exitCode === null) activeChild.kill('SIGKILL');
    for (const { name, stop } of stoppers.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn({ err }, `stopping ${name} failed`);
      }
    }
  })();
  return stopping;
}

// ---------------------------------------------------------------------------------------------
// Schemathesis, in a venv of its own under .tools/ (git-ignored), installed once.

function installedVersion(): string | undefined {
  if (!existsSync(stBin)) return undefined;
  const result = spawnSync(stBin, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return result.status === 0 ? /version\s+(\S+)/.exec(result.stdout)?.[1] : undefined;
}

/** Runs a command with its output on the console, so that a failed install says why. */
function runVisible(command: string, args: readonly string[]): void {
  log.info(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${String(result.status ?? result.signal ?? result.error)})`);
  }
}

function ensureSchemathesis(): void {
  const version = installedVersion();
  if (version === SCHEMATHESIS_VERSION) {
    log.info(`schemathesis ${version}: reusing ${path.relative(projectRoot, venvDir)}`);
    return;
  }
  log.info(
    version === undefined
      ? `schemathesis not installed: creating ${path.relative(projectRoot, venvDir)}`
      : `schemathesis ${version} found, ${SCHEMATHESIS_VERSION} wanted: recreating the venv`
  );
  rmSync(venvDir, { recursive: true, force: true });
  runVisible('python3', ['-m', 'venv', venvDir]);
  const pip = path.join(venvDir, 'bin', 'pip');
  runVisible(pip, ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`]);
  const installed = installedVersion();
  if (installed !== SCHEMATHESIS_VERSION) throw new Error(`schemathesis did not install (st --version: ${installed})`);
  log.info(`schemathesis ${installed} installed`);
}

// ---------------------------------------------------------------------------------------------
// The stack.

interface Secrets {
  /** The bearer token of run (a); 32 random bytes, new each run, never printed. */
  readonly apiToken: string;
  readonly webhookSecret: string;
}

interface StackUrls {
  readonly temporalAddress: string;
  readonly sandboxUrl: string;
  readonly apiPort: number;
}

/**
 * The one place that knows how the API takes its tokens: the API_TOKENS format that loadConfig
 * parses, and the ApiDeps fields buildApi reads. When either changes, only this function does.
 */
function apiWiring(secrets: Secrets): {
  readonly env: NodeJS.ProcessEnv;
  readonly deps: (config: Config, refunds: RefundsClient, logger: Logger) => ApiDeps;
} {
  return {
    env: {
      API_TOKENS: `fuzz@refunds:create+refunds:read+refunds:operate=${secrets.apiToken}`,
      GETPAID_WEBHOOK_SECRET: secrets.webhookSecret,
    },
    deps: (config, refunds, logger) => ({
      refunds,
      tokens: config.api.tokens,
      webhookSecrets: config.api.webhookSecrets,
      callbackPolicy: config.callbacks,
      logger,
    }),
  };
}

/** The environment of this stack's config: the sandbox for every provider, loopback everywhere. */
function stackEnv(urls: StackUrls, secrets: Secrets): NodeJS.ProcessEnv {
  const { sandboxUrl } = urls;
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    LISTEN_HOST: LOOPBACK,
    METRICS_PORT: '0',
    TEMPORAL_ADDRESS: urls.temporalAddress,
    API_PORT: String(urls.apiPort),
    ...sandboxProviderEnv(sandboxUrl),
    GETPAID_WEBHOOK_URL: `http://${LOOPBACK}:${urls.apiPort}/v1/webhooks/getpaid?token=${secrets.webhookSecret}`,
    PROVIDER_TIMEOUT_MS: '2000',
    // Completion callbacks to loopback only: a generated callbackUrl must never leave the machine.
    CALLBACK_ALLOWED_HOSTS: 'localhost',
    CALLBACK_ALLOW_LOOPBACK: 'true',
    ...apiWiring(secrets).env,
  };
}

/**
 * What the API answered, counted on the server itself: every request schemathesis made (its
 * reports keep one interaction per test case, not its auth probes), each 5xx, and in an
 * unauthenticated run each answer that was not a refusal.
 */
class ServerTally {
  private run: RunTally = ServerTally.empty(false);

  static empty(unauthenticated: boolean): RunTally {
    return { unauthenticated, requests: 0, byRoute: {}, serverErrors: {}, unauthenticatedSuccesses: {} };
  }

  begin(unauthenticated: boolean): void {
    this.run = ServerTally.empty(unauthenticated);
  }

  end(): RunTally {
    return this.run;
  }

  record(method: string, route: string | undefined, url: string, status: number): void {
    const run = this.run;
    run.requests += 1;
    const key = `${method} ${route ?? '(no route)'}`;
    const statuses = (run.byRoute[key] ??= {});
    statuses[status] = (statuses[status] ?? 0) + 1;
    // The path only: the webhook's secret travels in the query string.
    const answer = `${method} ${url.split('?')[0] ?? url} → ${status}`;
    if (status >= 500) countInto(run.serverErrors, answer);
    // Without a valid token, only the public routes may answer 2xx/3xx.
    const isPublic = route === '/openapi.json' || route === '/healthz';
    if (run.unauthenticated && status < 400 && !isPublic) countInto(run.unauthenticatedSuccesses, answer);
  }
}

/** Counts `key`, keeping at most 100 distinct keys (a fuzzed path is different every time). */
function countInto(counts: Record<string, number>, key: string): void {
  if (counts[key] === undefined && Object.keys(counts).length >= 100) return;
  counts[key] = (counts[key] ?? 0) + 1;
}

interface RunTally {
  readonly unauthenticated: boolean;
  requests: number;
  readonly byRoute: Record<string, Record<number, number>>;
  /** `METHOD path → status` of each 5xx, with its count. */
  readonly serverErrors: Record<string, number>;
  /** In an unauthenticated run: `METHOD path → status` of each 2xx/3xx, with its count. */
  readonly unauthenticatedSuccesses: Record<string, number>;
}

interface Stack {
  readonly apiUrl: string;
  readonly sandboxUrl: string;
  readonly client: Client;
  readonly tally: ServerTally;
  /** Error lines logged by the API, worker and sandbox so far (they also go to the stack log). */
  readonly errorLines: readonly string[];
}

/**
 * The stack's own logs go to a file, not the console: an API that answers every fuzzed request
 * writes a line for each. Error lines are also kept in memory: they say why a 5xx happened.
 */
function stackLogger(file: string): { logger: Logger; errorLines: string[] } {
  const errorLines: string[] = [];
  const errors = {
    write(line: string): void {
      if (errorLines.length < 500) errorLines.push(line.trim());
    },
  };
  const logger = pino(
    { level: 'info', base: { name: 'stack' } },
    pino.multistream([{ stream: pino.destination({ dest: file, sync: true }) }, { stream: errors, level: 'error' }])
  );
  return { logger, errorLines };
}

async function startStack(secrets: Secrets): Promise<Stack> {
  mkdirSync(workDir, { recursive: true });
  const logFile = path.join(workDir, 'stack.log');
  const { logger, errorLines } = stackLogger(logFile);
  log.info(`the stack's logs: ${path.relative(projectRoot, logFile)}`);

  const cli = await ensureTemporalCli((line) => log.info(line));
  const server = await startDevServer({
    cliPath: cli.path,
    ip: LOOPBACK,
    port: await freePort(),
    uiPort: undefined,
    dbFile: undefined,
    namespace: 'default',
    logger,
  });
  onStop('Temporal dev server', () => server.stop());
  log.info(`Temporal dev server (in memory, headless): ${server.address}`);

  const sandbox = await buildSandbox({ logger: logger.child({ component: 'sandbox' }) });
  // The completion callbacks of the fuzzed refunds land here (loopback, answered 2xx), so that
  // their deliveries end instead of retrying against a 404.
  sandbox.app.post('/_fuzz/callback', async () => ({ received: true }));
  await sandbox.app.listen({ host: LOOPBACK, port: 0 });
  onStop('sandbox', () => sandbox.app.close());
  const sandboxUrl = sandbox.url();
  log.info(`provider sandbox: ${sandboxUrl}`);

  const apiPort = await freePort();
  const env = stackEnv({ temporalAddress: server.address, sandboxUrl, apiPort }, secrets);
  const config = loadConfig(env);
  log.info('worker: starting (it bundles the workflows first)…');
  await startWorker(env, errorLines);
  const client = await connectClient(config.temporal);
  onStop('Temporal client', () => client.connection.close());

  const refunds = new RefundsClient(client, { taskQueue: config.temporal.taskQueue });
  const api = await buildApi(apiWiring(secrets).deps(config, refunds, logger.child({ component: 'api' })));
  const tally = new ServerTally();
  api.addHook('onResponse', async (req, reply) => {
    tally.record(req.method, req.routeOptions.url, req.url, reply.statusCode);
  });
  await api.listen({ host: LOOPBACK, port: apiPort });
  onStop('API', () => api.close());
  const apiUrl = `http://${LOOPBACK}:${apiPort}`;
  log.info(`API: ${apiUrl} (OpenAPI at ${apiUrl}/openapi.json)`);
  return { apiUrl, sandboxUrl, client, tally, errorLines };
}

/**
 * The refund worker, as `npm run worker` runs it (src/worker.ts, its own process): the worker's
 * wiring stays the worker's own, whatever it needs next. Its JSON lines go to a log file of their
 * own; its error lines are also kept for the summary. The workflows are bundled at its start.
 */
async function startWorker(env: NodeJS.ProcessEnv, errorLines: string[]): Promise<void> {
  const logFile = path.join(workDir, 'worker.log');
  // Registered before the process, so closed after it: the worker writes until it has exited.
  const file = createWriteStream(logFile, { flags: 'w' });
  onStop('worker log', () => new Promise<void>((resolve) => file.end(resolve)));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src', 'worker.ts')], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, LOG_PRETTY: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) {
        stackProblems.push(`the worker exited during the runs (${String(signal ?? code)}); see ${logFile}`);
        log.error(stackProblems.at(-1));
      }
      resolve();
    })
  );
  onStop('worker', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM drains the activities in flight (up to the worker's grace time), then SIGKILL.
    stopping = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    await exited;
    clearTimeout(timer);
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start within 120s; see ${logFile}`)), 120_000);
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        file.write(chunk);
        for (const line of chunk.split('\n')) {
          if (/"level":(50|60)/.test(line) && errorLines.length < 500) errorLines.push(line.trim());
        }
        seen = (seen + chunk).slice(-4000);
        if (seen.includes('"worker started"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the worker exited before it started:\n${seen}`));
    });
  });
  log.info(`worker (src/worker.ts, pid ${child.pid}): started; logs in ${path.relative(projectRoot, logFile)}`);
}

// ---------------------------------------------------------------------------------------------
// What an unauthenticated run could have changed.

interface StateSnapshot {
  readonly workflowCount: number;
  readonly workflowIds: readonly string[];
  readonly ledgerEntries: number;
  /** Requests that reached a provider endpoint of the sandbox, per endpoint. */
  readonly providerRequests: Readonly<Record<string, number>>;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function snapshot(stack: Stack): Promise<StateSnapshot> {
  const workflowIds: string[] = [];
  for await (const wf of stack.client.workflow.list()) workflowIds.push(wf.workflowId);
  const { count } = await stack.client.workflow.count();
  // SecPaid's reconciler runs on its own schedule: its pages of the account (reads without a
  // pay_id) and its runs (continue-as-new) are never an effect of a request to the API.
  const reconciler = await stack.client.workflow.count(`WorkflowType = 'secpaidReconciler'`);
  const ledger = await getJson<{ refunds: readonly unknown[] }>(`${stack.sandboxUrl}/_sandbox/ledger`);
  const stats = await getJson<{ requests: Record<string, number> }>(`${stack.sandboxUrl}/_sandbox/stats`);
  const reads = await getJson<{ pages: number }>(`${stack.sandboxUrl}/_sandbox/secpaid/reads`);
  const providerRequests = { ...stats.requests };
  if (providerRequests['secpaid.transactions'] !== undefined) providerRequests['secpaid.transactions'] -= reads.pages;
  return {
    workflowCount: count - reconciler.count,
    workflowIds: workflowIds.filter((id) => !id.startsWith('secpaid-reconciler-')).sort(),
    ledgerEntries: ledger.refunds.length,
    providerRequests,
  };
}

/** Each difference between two snapshots, as a sentence. */
function changes(before: StateSnapshot, after: StateSnapshot): string[] {
  const found: string[] = [];
  if (after.workflowCount !== before.workflowCount)
    found.push(`workflow count ${before.workflowCount} → ${after.workflowCount}`);
  const newIds = after.workflowIds.filter((id) => !before.workflowIds.includes(id));
  if (newIds.length > 0) found.push(`new workflows: ${newIds.slice(0, 10).join(', ')}`);
  if (after.ledgerEntries !== before.ledgerEntries)
    found.push(`sandbox ledger entries ${before.ledgerEntries} → ${after.ledgerEntries}`);
  for (const key of new Set([...Object.keys(before.providerRequests), ...Object.keys(after.providerRequests)])) {
    const [b, a] = [before.providerRequests[key] ?? 0, after.providerRequests[key] ?? 0];
    if (a !== b) found.push(`provider requests ${key} ${b} → ${a}`);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Schemathesis runs.

interface RunSpec {
  readonly name: string;
  readonly description: string;
  /** `Authorization` header value, if any. */
  readonly authorization: string | undefined;
  /** Unauthenticated: nothing may change, and no guarded route may answer 2xx/3xx. */
  readonly unauthenticated: boolean;
}

/** The failures of one check on one operation with one response status, as schemathesis reported them. */
interface FindingGroup {
  readonly run: string;
  readonly operation: string;
  readonly check: string;
  readonly code: string;
  readonly title: string;
  readonly status: number | undefined;
  readonly count: number;
  /** The first line of each of schemathesis's messages, e.g. `Received: 200`, with its count. */
  readonly messages: Readonly<Record<string, number>>;
  /** What the API's problem answers named (`errors[].field: message`), with their counts. */
  readonly reasons: Readonly<Record<string, number>>;
  /** The smallest request of the group, as curl (the token and the webhook secret as variables). */
  readonly reproduce: string | undefined;
  /** The answer to that request (its first 300 characters). */
  readonly response: string | undefined;
}

interface RunResult {
  readonly name: string;
  readonly description: string;
  readonly command: string;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly seconds: number;
  readonly operations: { readonly total: number; readonly tested: number } | undefined;
  /** Test cases schemathesis generated and sent (its count). */
  readonly testCases: number | undefined;
  /** Failures as schemathesis counts them (unique failures). */
  readonly uniqueFailures: number | undefined;
  readonly findings: readonly FindingGroup[];
  /** Errors of schemathesis itself (not findings about the API, but the run is not complete). */
  readonly toolErrors: readonly string[];
  readonly server: RunTally;
  readonly stateChanges: readonly string[];
  /** Error lines the stack logged during the run (why a 5xx happened). */
  readonly stackErrors: readonly string[];
}

/**
 * Schemathesis's settings file for a run (TOML). For run (a) it steers generation where the
 * document alone cannot:
 * - the webhook's secret, the one parameter it cannot guess: with it the fuzz reaches the
 *   webhook's body handling instead of its 401. Schemathesis reads it from the environment
 *   (`${…}`), so it is never written to disk;
 * - real currencies most of the time: the document allows any three letters, so without them
 *   almost no generated refund is accepted and nothing behind the start is reached;
 * - callback URLs on loopback most of the time (the stack accepts no other: CALLBACK_ALLOWED_HOSTS).
 */
function configToml(spec: RunSpec, stack: Stack): string {
  if (spec.unauthenticated) return '# Written by src/dev/fuzz-api.ts: nothing to set for an unauthenticated run.\n';
  return [
    '# Written by src/dev/fuzz-api.ts for one run.',
    '[dictionaries.currencies]',
    'values = ["EUR", "XOF", "USD", "JPY", "GBP", "XAF"]',
    '[dictionaries.callbacks]',
    `values = ["${stack.sandboxUrl}/_fuzz/callback"]`,
    '[parameters]',
    '"body.amount.currency" = { dictionary = "currencies", probability = 0.8 }',
    '"body.paymentAmount.currency" = { dictionary = "currencies", probability = 0.8 }',
    '"body.callbackUrl" = { dictionary = "callbacks", probability = 0.9 }',
    '[[operations]]',
    'include-path = "/v1/webhooks/getpaid"',
    'parameters = { "query.token" = "${FUZZ_GETPAID_WEBHOOK_SECRET}" }',
    '',
  ].join('\n');
}

function schemathesisArgs(stack: Stack, spec: RunSpec, dir: string): string[] {
  return [
    '--config-file',
    path.join(dir, 'schemathesis.toml'),
    // Plain text in a CI log; colours on a terminal.
    ...(process.stdout.isTTY ? [] : ['--no-color']),
    'run',
    `${stack.apiUrl}/openapi.json`,
    // Every generated request goes to this base URL: the document names no server of its own.
    '--url',
    stack.apiUrl,
    '--checks',
    'all',
    // A refund request obeys rules JSON Schema cannot state (a currency of the provider's, an amount
    // within paymentAmount in its currency, a GetPaid routing that adds up to the amount): a
    // schema-valid body may rightly be a 400 naming the field. Schemathesis 4.32 applies no
    // per-operation check setting from its config file here, so this one check is skipped for the
    // authorised run; every other check runs.
    ...(spec.unauthenticated ? [] : ['--exclude-checks', 'positive_data_acceptance']),
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--max-examples',
    String(settings.maxExamples),
    // All the failures of an operation, not only its first: the fix list should be complete.
    '--continue-on-failure',
    '--seed',
    String(settings.seed),
    '--workers',
    String(settings.workers),
    '--request-timeout',
    '15',
    '--max-redirects',
    '0',
    '--generation-database',
    'none',
    // Secrets are masked in output and reports only in the run that has some: in the others the
    // token (generated or wrong) and the webhook's `token` are part of what a reader must see.
    '--output-sanitize',
    spec.unauthenticated ? 'false' : 'true',
    '--report',
    'json,ndjson',
    '--report-json-path',
    path.join(dir, 'report.json'),
    '--report-ndjson-path',
    path.join(dir, 'events.ndjson'),
    ...(spec.authorization === undefined ? [] : ['-H', `Authorization: ${spec.authorization}`]),
  ];
}

/** The command as a person would paste it, with the token masked. */
function printable(args: readonly string[], secrets: Secrets): string {
  return [path.relative(projectRoot, stBin), ...args]
    .map(shellQuote)
    .join(' ')
    .replaceAll(secrets.apiToken, '$FUZZ_API_TOKEN');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]*$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

async function runSchemathesis(
  stack: Stack,
  spec: RunSpec,
  secrets: Secrets
): Promise<Omit<RunResult, 'stateChanges'>> {
  const dir = path.join(workDir, spec.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'schemathesis.toml'), configToml(spec, stack));
  const args = schemathesisArgs(stack, spec, dir);
  const command = printable(args, secrets);
  console.log(`\n${'='.repeat(100)}\nfuzz-api run ${spec.name}: ${spec.description}\n$ ${command}\n${'='.repeat(100)}`);

  const started = Date.now();
  const errorsBefore = stack.errorLines.length;
  stack.tally.begin(spec.unauthenticated);
  const { exitCode, timedOut } = await spawnWithTimeout(stBin, args, dir, schemathesisEnv(secrets));
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  scrubSecrets(dir, secrets);
  return {
    name: spec.name,
    description: spec.description,
    command,
    exitCode,
    timedOut,
    seconds,
    ...readReports(dir, spec),
    server: stack.tally.end(),
    stackErrors: stack.errorLines.slice(errorsBefore),
  };
}

/**
 * Schemathesis masks secrets in most of what it writes, not all (its NDJSON events repeat the
 * webhook's query string in `pool_draws`): its files are rewritten without them. They are this
 * run's throwaway values, but no file should hold a token in clear all the same.
 */
function scrubSecrets(dir: string, secrets: Secrets): void {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    // Its crash cache (`.schemathesis/`) and Hypothesis's examples (`.hypothesis/`) included.
    if (statSync(file).isDirectory()) scrubSecrets(file, secrets);
    if (!statSync(file).isFile()) continue;
    const text = readFileSync(file, 'utf8');
    const clean = text
      .replaceAll(secrets.apiToken, '[fuzz-token]')
      .replaceAll(secrets.webhookSecret, '[fuzz-webhook-secret]');
    if (clean !== text) writeFileSync(file, clean);
  }
}

function schemathesisEnv(secrets: Secrets): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FUZZ_GETPAID_WEBHOOK_SECRET: secrets.webhookSecret,
    // Loopback only, never through a proxy the machine may have configured.
    NO_PROXY: '*',
    no_proxy: '*',
    HTTP_PROXY: '',
    HTTPS_PROXY: '',
    http_proxy: '',
    https_proxy: '',
    // Wide enough that schemathesis's tables and curl lines are not wrapped in a CI log.
    COLUMNS: '160',
    PYTHONUNBUFFERED: '1',
  };
}

function spawnWithTimeout(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv
): Promise<{ exitCode: number | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    // In the run's folder: schemathesis keeps its crash cache (`.schemathesis/`) in its working directory.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    activeChild = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      log.error(`schemathesis still running after ${settings.runTimeoutS}s: stopping it (SIGINT, then SIGKILL)`);
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    }, settings.runTimeoutS * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      activeChild = undefined;
      resolve({ exitCode: code, timedOut });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Reading schemathesis's reports: the JSON report for its counts, the NDJSON events for each
// failed check with the request that failed it.

/** The parts of schemathesis's JSON report this script reads. */
interface JsonReport {
  readonly operations: { readonly total: number; readonly tested: number } | null;
  readonly test_cases: { readonly generated: number; readonly unique_failures: number };
  readonly errors: readonly { readonly title: string; readonly count: number }[];
}

interface Interaction {
  readonly request: {
    readonly method: string;
    readonly uri: string;
    readonly headers: Readonly<Record<string, readonly string[]>>;
    readonly body?: { readonly $base64?: string } | null;
  };
  readonly response?: {
    readonly status_code: number;
    readonly content?: { readonly $base64?: string } | null;
  } | null;
}

interface CheckResult {
  readonly name: string;
  readonly status: string;
  readonly failure_info?: {
    readonly failure: {
      readonly code: string;
      readonly title: string;
      readonly message: string;
      readonly operation: string;
    };
  };
}

interface NdjsonEvent {
  readonly ScenarioFinished?: {
    readonly recorder: {
      readonly label: string;
      readonly checks?: Readonly<Record<string, readonly CheckResult[]>>;
      readonly interactions?: Readonly<Record<string, Interaction>>;
    };
  };
  readonly NonFatalError?: {
    readonly label: string;
    readonly value: { readonly type: string; readonly message: string };
  };
}

function readReports(
  dir: string,
  spec: RunSpec
): Pick<RunResult, 'operations' | 'testCases' | 'uniqueFailures' | 'findings' | 'toolErrors'> {
  const jsonFile = path.join(dir, 'report.json');
  const report = existsSync(jsonFile) ? (JSON.parse(readFileSync(jsonFile, 'utf8')) as JsonReport) : undefined;
  const events = readEvents(path.join(dir, 'events.ndjson'));
  const toolErrors = events.flatMap((e) =>
    e.NonFatalError ? [`${e.NonFatalError.label}: ${e.NonFatalError.value.type}: ${e.NonFatalError.value.message}`] : []
  );
  if (!report) toolErrors.push('schemathesis wrote no JSON report (it did not finish)');
  return {
    operations: report?.operations ?? undefined,
    testCases: report?.test_cases.generated,
    uniqueFailures: report?.test_cases.unique_failures,
    findings: groupFailures(events, spec.name, !spec.unauthenticated),
    toolErrors,
  };
}

function readEvents(file: string): NdjsonEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as NdjsonEvent);
}

/** Failed checks grouped by operation, check and status; each group keeps its smallest request. */
function groupFailures(events: readonly NdjsonEvent[], run: string, sanitized: boolean): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const event of events) {
    const recorder = event.ScenarioFinished?.recorder;
    if (!recorder) continue;
    for (const [caseId, checks] of Object.entries(recorder.checks ?? {})) {
      const interaction = recorder.interactions?.[caseId];
      for (const check of checks) {
        const failure = check.failure_info?.failure;
        if (check.status !== 'failure' || !failure) continue;
        const status = interaction?.response?.status_code;
        const key = [failure.operation, failure.code, status].join('|');
        const known = groups.get(key);
        const curl = interaction ? toCurl(interaction, sanitized) : undefined;
        const smaller = curl !== undefined && (known?.reproduce === undefined || curl.length < known.reproduce.length);
        groups.set(key, {
          run,
          operation: failure.operation,
          check: check.name,
          code: failure.code,
          title: failure.title,
          status,
          count: (known?.count ?? 0) + 1,
          messages: tallied(known?.messages, [failure.message.split('\n')[0] ?? '']),
          reasons: tallied(known?.reasons, problemReasons(interaction)),
          reproduce: smaller ? curl : known?.reproduce,
          response: smaller ? responseText(interaction) : known?.response,
        });
      }
    }
  }
  return [...groups.values()];
}

function tallied(
  counts: Readonly<Record<string, number>> | undefined,
  keys: readonly string[]
): Record<string, number> {
  const next = { ...counts };
  for (const key of keys) next[key] = (next[key] ?? 0) + 1;
  return next;
}

/** The `errors` of a problem answer, as `field: message`: why the API refused a request. */
function problemReasons(interaction: Interaction | undefined): string[] {
  const text = decode(interaction?.response?.content);
  if (text === undefined) return [];
  try {
    const problem = JSON.parse(text) as { errors?: readonly { field?: unknown; message?: unknown }[] };
    return (problem.errors ?? []).map((e) => `${String(e.field)}: ${String(e.message)}`);
  } catch {
    return [];
  }
}

function decode(body: { readonly $base64?: string } | null | undefined): string | undefined {
  return body?.$base64 === undefined ? undefined : Buffer.from(body.$base64, 'base64').toString('utf8');
}

function responseText(interaction: Interaction | undefined): string | undefined {
  const text = decode(interaction?.response?.content);
  return text === undefined ? undefined : text.slice(0, 300);
}

/**
 * A request as curl. The stack is gone once the script ends, so its base URL becomes `$API`; and
 * what schemathesis masked in a run that has secrets (`[Filtered]`) becomes `$FUZZ_API_TOKEN` (a
 * token with every scope) or `$GETPAID_WEBHOOK_SECRET`, for a person to set before pasting.
 */
function toCurl(interaction: Interaction, sanitized: boolean): string {
  const { method, uri, headers } = interaction.request;
  const words: string[] = ['curl', '-X', shellQuote(method)];
  for (const [name, values] of Object.entries(headers)) {
    for (const value of values) {
      const masked = sanitized && name.toLowerCase() === 'authorization' && value === '[Filtered]';
      words.push('-H', masked ? '"Authorization: Bearer $FUZZ_API_TOKEN"' : shellQuote(`${name}: ${value}`));
    }
  }
  const body = decode(interaction.request.body);
  if (body !== undefined) words.push('--data-raw', shellQuote(body));
  const base = /^https?:\/\/[^/]+/.exec(uri)?.[0] ?? '';
  const rest = uri.slice(base.length);
  const secretAt = sanitized ? rest.indexOf('token=%5BFiltered%5D') : -1;
  words.push(
    secretAt < 0
      ? `"$API"${shellQuote(rest)}`
      : `"$API"${shellQuote(rest.slice(0, secretAt + 'token='.length))}"$GETPAID_WEBHOOK_SECRET"${shellQuote(rest.slice(secretAt + 'token=%5BFiltered%5D'.length))}`
  );
  return words.join(' ');
}

// ---------------------------------------------------------------------------------------------

const runSpecs = (secrets: Secrets): RunSpec[] => [
  // Unauthenticated first: the namespace and the ledger are still empty, so any change is theirs.
  { name: 'b1-no-token', description: 'no Authorization header', authorization: undefined, unauthenticated: true },
  {
    name: 'b2-wrong-token',
    description: 'a wrong bearer token',
    authorization: `Bearer ${randomBytes(32).toString('hex')}`,
    unauthenticated: true,
  },
  {
    name: 'a-valid-token',
    description: 'a valid bearer token with every scope',
    authorization: `Bearer ${secrets.apiToken}`,
    unauthenticated: false,
  },
];

/** Runs one spec; an unauthenticated one between two snapshots of what it must not change. */
async function runOne(stack: Stack, spec: RunSpec, secrets: Secrets): Promise<RunResult> {
  const before = spec.unauthenticated ? await snapshot(stack) : undefined;
  const result = await runSchemathesis(stack, spec, secrets);
  if (!before) return { ...result, stateChanges: [] };
  // Visibility shows a started workflow a moment later; the worker's activities also take a moment.
  await new Promise((r) => setTimeout(r, 3000));
  return { ...result, stateChanges: changes(before, await snapshot(stack)) };
}

async function main(): Promise<void> {
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, step: () => Promise<T> | T): Promise<T> => {
    const started = Date.now();
    try {
      return await step();
    } finally {
      timings[name] = Math.round((Date.now() - started) / 100) / 10;
    }
  };
  const started = Date.now();
  log.info(
    `settings: at most ${settings.maxExamples} examples per operation (FUZZ_MAX_EXAMPLES), seed ${settings.seed} (FUZZ_SEED), ${settings.workers} schemathesis worker(s), ${settings.runTimeoutS}s per run at most (FUZZ_RUN_TIMEOUT_S)`
  );
  await time('install schemathesis', ensureSchemathesis);
  const secrets: Secrets = {
    apiToken: randomBytes(32).toString('hex'),
    webhookSecret: randomBytes(24).toString('hex'),
  };
  const stack = await time('start the stack', () => startStack(secrets));
  const results: RunResult[] = [];
  for (const spec of runSpecs(secrets))
    results.push(await time(`run ${spec.name}`, () => runOne(stack, spec, secrets)));
  await time('stop the stack', stopAll);
  // The stack's own logs too (the worker's environment carries the webhook URL with its secret).
  scrubSecrets(workDir, secrets);
  timings.total = Math.round((Date.now() - started) / 100) / 10;
  process.exitCode = summarize(results, timings) ? 1 : 0;
}

/** Whether a run found anything, or could not tell. */
function failed(r: RunResult): boolean {
  return (
    r.exitCode !== 0 ||
    r.timedOut ||
    r.findings.length > 0 ||
    r.toolErrors.length > 0 ||
    Object.keys(r.server.serverErrors).length > 0 ||
    Object.keys(r.server.unauthenticatedSuccesses).length > 0 ||
    r.stateChanges.length > 0
  );
}

/** Prints the summary, writes it to .data/fuzz-api-last.json; true when anything was found. */
function summarize(results: readonly RunResult[], timings: Record<string, number>): boolean {
  mkdirSync(dataDir, { recursive: true });
  const document = { at: new Date().toISOString(), settings, timings, stackProblems, runs: results };
  writeFileSync(summaryFile, `${JSON.stringify(document, null, 2)}\n`);
  const out: string[] = [
    '',
    '='.repeat(100),
    `fuzz-api summary (seed ${settings.seed})`,
    'Requests below are curl lines: set API (the base URL, e.g. http://127.0.0.1:3000), FUZZ_API_TOKEN (a token',
    'with every scope) and GETPAID_WEBHOOK_SECRET first.',
  ];
  for (const r of results) out.push('', ...runSummary(r));
  out.push(
    '',
    `timings (s): ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `full detail: ${path.relative(projectRoot, summaryFile)}; schemathesis's reports: ${path.relative(projectRoot, workDir)}/<run>/`
  );
  for (const problem of stackProblems) out.push(`STACK PROBLEM: ${problem}`);
  const anyFailed = results.some(failed) || stackProblems.length > 0;
  out.push(anyFailed ? 'fuzz-api: FAILED (findings above)' : 'fuzz-api: no findings', '='.repeat(100));
  console.log(out.join('\n'));
  return anyFailed;
}

/** One run's lines: its counts, then its findings grouped by check, one example request each. */
function runSummary(r: RunResult): string[] {
  const out = [
    `${r.name} (${r.description}): ${r.seconds}s, schemathesis exit ${String(r.exitCode)}${r.timedOut ? ' (TIMED OUT)' : ''}`,
    `  operations tested: ${r.operations ? `${r.operations.tested}/${r.operations.total}` : '?'}; test cases: ${r.testCases ?? '?'}; requests the API answered: ${r.server.requests}; unique failures (schemathesis): ${r.uniqueFailures ?? '?'}`,
    `  answers by route: ${Object.entries(r.server.byRoute)
      .map(([route, statuses]) => `${route} ${statusList(statuses)}`)
      .join('; ')}`,
  ];
  const byCode = new Map<string, FindingGroup[]>();
  for (const f of r.findings) byCode.set(`${f.code} ${f.check}`, [...(byCode.get(`${f.code} ${f.check}`) ?? []), f]);
  for (const [code, groups] of byCode) {
    const total = groups.reduce((n, g) => n + g.count, 0);
    out.push(`  FINDING ${code} (${groups[0]?.title ?? ''}): ${total} failures`);
    for (const g of groups) {
      out.push(`    ${g.operation} → ${g.status ?? '?'} ×${g.count}: ${topKeys(g.messages, 3)}`);
      if (Object.keys(g.reasons).length > 0) out.push(`      the API said: ${topKeys(g.reasons, 4)}`);
    }
    const example = groups.reduce<FindingGroup | undefined>(
      (best, g) =>
        g.reproduce !== undefined && (best?.reproduce === undefined || g.reproduce.length < best.reproduce.length)
          ? g
          : best,
      undefined
    );
    if (example?.reproduce)
      out.push(`    e.g. ${example.reproduce}`, `      ← ${example.status ?? '?'} ${example.response ?? ''}`);
  }
  for (const [answer, n] of Object.entries(r.server.serverErrors))
    out.push(`  FINDING 5xx on the server: ${answer} ×${n}`);
  for (const [answer, n] of Object.entries(r.server.unauthenticatedSuccesses))
    out.push(`  FINDING answered without a valid token: ${answer} ×${n}`);
  for (const c of r.stateChanges) out.push(`  FINDING changed without a valid token: ${c}`);
  if (r.server.unauthenticated && r.stateChanges.length === 0)
    out.push('  no change without a valid token: workflows, sandbox ledger and provider requests as before');
  for (const e of r.toolErrors) out.push(`  TOOL ERROR (schemathesis, not the API): ${e}`);
  for (const e of r.stackErrors.slice(0, 5)) out.push(`  stack error line: ${e.slice(0, 500)}`);
  return out;
}

function statusList(statuses: Readonly<Record<number, number>>): string {
  return Object.entries(statuses)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
}

/** The most frequent keys, `key (×n)`, and how many others there were. */
function topKeys(counts: Readonly<Record<string, number>>, limit: number): string {
  const sorted = Object.entries(counts).sort(([, a], [, b]) => b - a);
  const shown = sorted.slice(0, limit).map(([k, n]) => (sorted.length > 1 ? `${k} (×${n})` : k));
  return sorted.length > limit ? `${shown.join('; ')}; and ${sorted.length - limit} more` : shown.join('; ');
}

function onSignal(signal: NodeJS.Signals): void {
  log.warn(`${signal}: stopping everything`);
  void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

main()
  .catch(async (err: unknown) => {
    log.error({ err }, 'fuzz-api failed');
    process.exitCode = 2;
    await stopAll();
  })
  // Connections and timers of the SDK may keep the loop alive after everything is closed.
  .finally(() => process.exit());
