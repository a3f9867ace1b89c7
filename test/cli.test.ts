import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { parseDuration, stuckSince } from '../src/cli/stuck';
import { refundListFilterSchema, visibilityQuery } from '../src/refund-list';
import { projectRoot } from '../src/dev/temporal-cli';

const run = promisify(execFile);
const bin = path.join(__dirname, '..', 'bin', 'refunds.js');

describe('refunds list --stuck <duration>', () => {
  const now = new Date('2026-12-02T12:00:00.000Z');

  it.each([
    ['3d', '2026-11-29T12:00:00.000Z'],
    ['12h', '2026-12-02T00:00:00.000Z'],
    ['30m', '2026-12-02T11:30:00.000Z'],
    ['45s', '2026-12-02T11:59:15.000Z'],
    ['100d', '2026-08-24T12:00:00.000Z'],
  ])('%s: running refunds started before %s', (duration, before) => {
    const since = stuckSince(duration, now);
    expect(since).toBe(before);
    expect(visibilityQuery(refundListFilterSchema.parse({ startedBefore: since }))).toBe(
      `WorkflowType = "refund" AND StartTime < "${before}" AND ExecutionStatus = "Running"`
    );
  });

  it('computes the date at the call', () => {
    const at = Date.parse(stuckSince('1h'));
    expect(Math.abs(at - (Date.now() - 3_600_000))).toBeLessThan(5_000);
  });

  it.each(['', '3', 'd', '3x', '3 d', '3D', '-3d', '1.5h', '0d', '0m', '3d12h', '3651d', '9999999999d'])(
    'refuses %j, naming the flag',
    (text) => {
      expect(() => parseDuration(text, '--stuck')).toThrow(/^--stuck takes a duration such as 3d, 12h, 30m/);
    }
  );

  it('takes up to ten years', () => {
    expect(parseDuration('3650d', '--stuck')).toBe(3650 * 86_400_000);
  });
});

describe("the CLI's Temporal connection", () => {
  // The worker's native core costs about a third of a second to load: a CLI call never needs it.
  it('loads nothing of @temporalio/worker', () => {
    const script = [
      "require('tsx/cjs');",
      "require('./src/cli/commands.ts');",
      "process.stdout.write(String(Object.keys(require.cache).some((m) => m.includes('@temporalio/worker'))));",
    ].join(' ');
    const loaded = spawnSync(process.execPath, ['-e', script], { cwd: projectRoot, encoding: 'utf8' });
    expect({ out: loaded.stdout, status: loaded.status }).toEqual({ out: 'false', status: 0 });
  });
});

describe('bin/refunds.js', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'refunds-bin-'));
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(bin, path.join(dir, 'bin', 'refunds.js'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function refundsIn(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [path.join(dir, 'bin', 'refunds.js'), ...args], {
        cwd: dir,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const write = (file: string, text: string, mtime?: Date): void => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
    if (mtime) utimesSync(path.join(dir, file), mtime, mtime);
  };

  it('outside the project (nothing beside it), says where to run it, in one line', async () => {
    const out = await refundsIn('list');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^refunds: no lib\/cli\/main.js or src\/cli\/main.ts in .*: run `npx refunds` inside/);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('with the sources but no node_modules, says to run npm install, in one line', async () => {
    write('src/cli/main.ts', "console.log('source');\n");
    const out = await refundsIn('--help');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^refunds: cannot load tsx: run `npm install` in /);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a dependency that is not installed is one line saying what to do, not a stack trace', async () => {
    // As if @temporalio/client were missing: the entry answers --help without it, and a command says what to do.
    write(
      'hide.js',
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@temporalio/client') throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};`
    );
    const main = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
    const entry = (...args: string[]) =>
      run(process.execPath, ['-r', path.join(dir, 'hide.js'), '-r', 'tsx/cjs', main, ...args], {
        cwd: path.join(__dirname, '..'),
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (err: { code: number; stdout: string; stderr: string }) => err
      );
    expect((await entry('--help')).stdout).toMatch(/^refunds: start, find and act on refunds/);
    const out = await entry('list');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /^refunds: cannot load @temporalio\/client: run `npm install` in .*, and run `npx refunds` from inside it/
    );
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('runs the build when it is newer than every source, and the sources (through tsx) when one is newer', async () => {
    symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(dir, 'node_modules'));
    const earlier = new Date(Date.now() - 60_000);
    write('src/cli/main.ts', "console.log('source');\n", earlier);
    write('src/refunds/money.ts', 'export {};\n', earlier);
    write('lib/cli/main.js', "console.log('compiled');\n");
    expect((await refundsIn()).stdout.trim()).toBe('compiled');
    // An edit anywhere under src/ after the build: the build may be stale, the sources run.
    write('src/refunds/money.ts', 'export const edited = true;\n', new Date(Date.now() + 1_000));
    expect((await refundsIn()).stdout.trim()).toBe('source');
    rmSync(path.join(dir, 'lib'), { recursive: true });
    expect((await refundsIn()).stdout.trim()).toBe('source');
  });
});
