import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { projectRoot } from '../../src/dev/temporal-cli';
import { paymentAndRefund } from '../../harness/payments';
import { freePort } from '../../src/dev/ports';
import { startWorkerProcess } from '../../harness/processes';
import { sandboxProviderEnv } from '../../src/providers/settings';
import type { WorkerProcess } from '../../harness/processes';
import { PRODUCTION_TEST_API_TOKEN, PRODUCTION_TEST_CALLBACK_SECRET } from '../support/secrets';
import { suiteLogFile } from '../support/suite-log';
import { startTestStack, temporalAddress } from '../support/stack';
import type { TestStack } from '../support/stack';

/**
 * The production path, as the Docker image runs it: `npm run build` (tsc, and the workflow bundle
 * prebuilt with bundleWorkflowCode), then `node lib/worker.js` and `node lib/api/main.js` with
 * NODE_ENV=production, loading only what `npm ci --omit=dev` installs, against the dev server.
 */
let stack: TestStack;
let worker: WorkerProcess | undefined;
const bundle = path.join(projectRoot, 'lib', 'workflow-bundle.js');
const onlyProductionPackages = path.join(projectRoot, 'scripts', 'production-dependencies-only.cjs');
const packagesFile = path.join(os.tmpdir(), `production-packages-${process.pid}.txt`);

beforeAll(async () => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: projectRoot, stdio: 'ignore', timeout: 240_000 });
  writeFileSync(
    packagesFile,
    execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: projectRoot, encoding: 'utf8' })
  );
  stack = await startTestStack({ worker: false });
}, 300_000);

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await stack?.stop();
});

/** What a production deployment sets: every provider's URL and credentials (the sandbox's), nothing defaulted. */
function productionEnv(): NodeJS.ProcessEnv {
  return {
    ...sandboxProviderEnv(stack.sandboxUrl),
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    WORKFLOW_BUNDLE: bundle,
    NODE_OPTIONS: `--require ${onlyProductionPackages}`,
    PRODUCTION_PACKAGES_FILE: packagesFile,
    CALLBACK_SIGNING_SECRET: PRODUCTION_TEST_CALLBACK_SECRET,
  };
}

const startProductionWorker = (name: string): Promise<WorkerProcess> =>
  startWorkerProcess({
    name: `production-${name}`,
    logFile: suiteLogFile(`production-${name}`),
    temporalAddress: temporalAddress(),
    taskQueue: stack.taskQueue,
    sandboxUrl: stack.sandboxUrl,
    script: path.join(projectRoot, 'lib', 'worker.js'),
    runtime: 'node',
    timeScale: 1, // production refuses any other
    workflowBundle: bundle,
    env: productionEnv(),
  });

it('the build writes the compiled code and the prebuilt workflow bundle', () => {
  for (const file of ['worker.js', 'api/main.js', 'temporal/setup.js', 'sandbox/main.js', 'workflow-bundle.js']) {
    expect(existsSync(path.join(projectRoot, 'lib', file))).toBe(true);
  }
});

it('a production worker (compiled, prebuilt bundle, production packages only) completes a refund', async () => {
  worker = await startProductionWorker('refund');
  const request = await paymentAndRefund(stack.api, 'openpayd', 1_234, 'production');
  await stack.refunds.start(request);
  const outcome = await stack.refunds.waitForOutcome(request.refundId);
  expect(outcome.status).toBe('SUCCEEDED');
  expect(stack.sandbox.ledger.list({ paymentId: request.paymentId }).map((r) => r.amountMinor)).toEqual([1_234]);
  await worker.kill('SIGTERM');
  worker = undefined;
});

it('SIGTERM drains: the provider call in flight finishes, the worker exits 0, nothing is sent twice', async () => {
  worker = await startProductionWorker('drain');
  // OpenPayd holds the refund request 1.5 s (inside the 2 s call timeout) before doing it; SIGTERM
  // arrives while it waits.
  await stack.api.fault({ provider: 'openpayd', endpoint: 'refund', kind: 'slow', delayMs: 1_500, times: 1 });
  const request = await paymentAndRefund(stack.api, 'openpayd', 2_345, 'drain');
  const before = stack.sandbox.requestCount('openpayd', 'refund');
  await stack.refunds.start(request);
  while (stack.sandbox.requestCount('openpayd', 'refund') === before) await new Promise((r) => setTimeout(r, 20));
  const signalled = Date.now();
  const exit = await worker.kill('SIGTERM');
  worker = undefined;
  expect(exit).toBe(0);
  // It waited for the held call, well inside the 30 s grace.
  expect(Date.now() - signalled).toBeGreaterThan(1_000);
  expect(stack.sandbox.ledger.list({ paymentId: request.paymentId })).toHaveLength(1);

  // The next worker (a deploy's new version) records the outcome; the call is not made again.
  worker = await startProductionWorker('after-drain');
  const outcome = await stack.refunds.waitForOutcome(request.refundId);
  expect(outcome.status).toBe('SUCCEEDED');
  expect(stack.sandbox.requestCount('openpayd', 'refund') - before).toBe(1);
  expect((await stack.refunds.get(request.refundId)).attempts.filter((a) => a.step === 'submit')).toHaveLength(1);
  await worker.kill('SIGTERM');
  worker = undefined;
});

/** `node lib/<script>` in production, its output kept as `production-<name>`; resolves with its exit code and what it printed. */
function runBuilt(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv
): { exited: Promise<{ code: number | null; output: string }>; stop(): void } {
  const child = spawn(process.execPath, [path.join(projectRoot, 'lib', script)], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, TEMPORAL_ADDRESS: temporalAddress(), ...productionEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return {
    exited: new Promise((resolve) =>
      child.once('exit', (code) => {
        writeFileSync(suiteLogFile(`production-${name}`), output, {
          flag: 'a',
        });
        resolve({ code, output });
      })
    ),
    stop: () => child.kill('SIGTERM'),
  };
}

const runApi = (env: NodeJS.ProcessEnv) => runBuilt('api', path.join('api', 'main.js'), env);

it('a production worker refuses to start with a time scale, naming the setting', async () => {
  const { code, output } = await runBuilt('worker', 'worker.js', {
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    WORKFLOW_BUNDLE: bundle,
    METRICS_PORT: '0',
    REFUND_TIME_SCALE: '0.001',
  }).exited;
  expect(code).toBe(1);
  expect(output).toContain('REFUND_TIME_SCALE: not allowed in production');
});

it('the production API refuses to start without API tokens, naming the setting', async () => {
  const { code, output } = await runApi({ API_PORT: String(await freePort()) }).exited;
  expect(code).toBe(1);
  expect(output).toContain('API_TOKENS: required outside development');
});

it('the production API on SIGTERM stops accepting, finishes the request in flight, and exits 0', async () => {
  const port = await freePort();
  const token = PRODUCTION_TEST_API_TOKEN;
  const api = runApi({
    API_PORT: String(port),
    API_TOKENS: `prod-backend@refunds:create+refunds:read=${token}`,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false
    );
    if (ok) break;
    if (i > 200) throw new Error('the production API did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const listed = await fetch(`${url}/v1/refunds`, { headers: { authorization: `Bearer ${token}` } });
  expect(listed.status).toBe(200);

  // A start whose body is only half sent when SIGTERM arrives: the request is in flight.
  const refund = await paymentAndRefund(stack.api, 'openpayd', 1_500, 'production-api-drain');
  const body = Buffer.from(JSON.stringify(refund));
  const inFlight = request(`${url}/v1/refunds`, {
    method: 'POST',
    agent: false,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    inFlight.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    inFlight.on('error', reject);
  });
  inFlight.write(body.subarray(0, 20));
  await new Promise((r) => setTimeout(r, 200)); // the headers have arrived: the route is running
  api.stop();

  // No new connection is accepted while the request in flight goes on.
  for (let i = 0; ; i += 1) {
    const refused = await fetch(`${url}/healthz`).then(
      () => false,
      () => true
    );
    if (refused) break;
    if (i > 100) throw new Error('the API still accepts connections after SIGTERM');
    await new Promise((r) => setTimeout(r, 20));
  }
  inFlight.end(body.subarray(20));
  const { status, body: answer } = await answered;
  expect(status).toBe(201);
  expect(JSON.parse(answer)).toMatchObject({ refundId: refund.refundId, created: true });
  expect((await api.exited).code).toBe(0);
  // It was started, not lost: its workflow exists for a worker to take.
  expect(await stack.refunds.status(refund.refundId)).toBe('RECEIVED');
});
