import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';

import { RefundsClient } from '../../src/client';
import { freePort } from '../../src/dev/ports';
import { projectRoot } from '../../src/dev/temporal-cli';
import { SandboxApi } from '../../harness/sandbox-api';
import { eventually, uniqueRefundId } from '../support/stack';

/**
 * `npm start` as a newcomer runs it (on ports of its own): "Ready." only once a demo can run, a
 * killed worker comes back and refunds go on, and Ctrl-C drains the worker and stops everything
 * within 5 s.
 */
let supervisor: ChildProcess;
let output = '';
let env: NodeJS.ProcessEnv;
let startedAt: number;

const linesOf = (text: string): { msg?: string; name?: string }[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg?: string; name?: string });
const said = (pattern: RegExp): boolean => linesOf(output).some((l) => pattern.test(l.msg ?? ''));

/** The supervised child running `entry`: Node itself, its parent the supervisor (no wrapper between). */
function childRunning(entry: string): number | undefined {
  const found = spawnSync('pgrep', ['-P', String(supervisor.pid), '-f', entry], { encoding: 'utf8' });
  const pid = Number(found.stdout.trim().split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refunds-start-'));
  env = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_PRETTY: 'false',
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    TEMPORAL_UI_PORT: String(await freePort()),
    API_PORT: String(await freePort()),
    SANDBOX_PORT: String(await freePort()),
    METRICS_PORT: '0',
    TEMPORAL_DB_FILE: path.join(dir, 'temporal.db'),
  };
  startedAt = Date.now();
  supervisor = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/dev/start.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [supervisor.stdout, supervisor.stderr])
    stream?.on('data', (c: Buffer) => (output += c.toString()));
  await eventually(async () => (said(/^Ready\./) ? true : undefined), '"Ready."', 120_000);
}, 150_000);

afterAll(() => {
  if (supervisor.exitCode === null) supervisor.kill('SIGKILL');
});

it('says "Ready." only once a demo can run: the demo started right then passes', async () => {
  process.stdout.write(`npm start: Ready. after ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
  const demo = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/dev/demo.ts')], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect({ status: demo.status, stderr: demo.stderr }).toEqual({ status: 0, stderr: '' });
  expect(demo.stdout).toContain('Two refunds wait for you.');
  expect(demo.stdout).toMatch(
    /temporal workflow update execute --workflow-id refund-demo-\S+-approve-me --name approve/
  );
}, 150_000);

it('restarts a killed worker, which is Node itself under the supervisor, and refunds go on', async () => {
  const worker = childRunning('src/worker.ts');
  expect(worker).toBeDefined();
  expect(readFileSync(`/proc/${worker}/cmdline`, 'utf8').split('\0')).toEqual(
    expect.arrayContaining([process.execPath, '--import', 'tsx', path.join(projectRoot, 'src/worker.ts')])
  );
  process.kill(worker!, 'SIGKILL');
  await eventually(async () => (said(/^worker restarted and ready/) ? true : undefined), 'the restart', 60_000);
  expect(childRunning('src/worker.ts')).not.toBe(worker);

  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
  try {
    const refunds = new RefundsClient(new Client({ connection }));
    const sandbox = new SandboxApi(`http://127.0.0.1:${env.SANDBOX_PORT}`);
    const paymentId = await sandbox.sandpayCollection(700);
    const refundId = uniqueRefundId('start');
    await refunds.start({ provider: 'sandpay', refundId, paymentId, amount: { amountMinor: 700, currency: 'XOF' } });
    expect((await refunds.waitForOutcome(refundId)).status).toBe('SUCCEEDED');
  } finally {
    await connection.close();
  }
}, 90_000);

it('stops on Ctrl-C within 5 s: the worker drains and says so, every service exits 0', async () => {
  const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
  const at = Date.now();
  supervisor.kill('SIGINT');
  const code = await exited;
  const seconds = (Date.now() - at) / 1000;
  process.stdout.write(`npm start: Ctrl-C to exit ${seconds.toFixed(1)} s\n`);
  expect(code).toBe(0);
  expect(seconds).toBeLessThanOrEqual(5);
  const lines = linesOf(output);
  expect(lines.some((l) => l.name === 'worker' && l.msg === 'worker stopped')).toBe(true);
  for (const service of ['api', 'worker', 'sandbox']) {
    expect(output).toContain(`"service":"${service}","code":0,"signal":null,"msg":"${service} stopped"`);
  }
}, 30_000);
