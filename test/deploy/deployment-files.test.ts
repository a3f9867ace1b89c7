import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { z } from 'zod';

import { loadConfig } from '../../src/config';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../src/dev/cluster/tools';
import { projectRoot } from '../../src/dev/temporal-cli';
import { refundSearchAttributeKeys } from '../../src/contract';
import { sandboxProviderEnv } from '../../src/providers/settings';
import { SHUTDOWN_BOUND_MARGIN_MS } from '../../src/temporal/shutdown-bound';
import { ensureComposeCheck, ensureHadolint, ensureShellcheck } from '../support/deploy-tools';

/**
 * No Docker engine runs here, so the deployment files are checked with the tools that can run:
 * the compose file loaded by compose-go (what `docker compose` loads it with: the compose
 * specification's schema, interpolation, profiles, env files), the Dockerfile linted by hadolint,
 * the scripts the one-shot containers run linted by ShellCheck.
 */
let hadolint: string;
let shellcheck: string;
let composeCheck: string;
beforeAll(() => {
  hadolint = ensureHadolint();
  shellcheck = ensureShellcheck();
  composeCheck = ensureComposeCheck();
}, 600_000);

const dockerfile = readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');

// Only the parts of compose-go's JSON the assertions read.
const service = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string() }).nullish(),
  command: z.array(z.string()).nullish(),
  environment: z.record(z.string(), z.string().nullable()).nullish(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).nullish(),
  healthcheck: z.object({ test: z.array(z.string()) }).nullish(),
  ports: z.array(z.object({ published: z.string().optional() })).nullish(),
  container_name: z.string().optional(),
  profiles: z.array(z.string()).nullish(),
  stop_grace_period: z.string().nullish(),
});
const project = z.object({ services: z.record(z.string(), service) });

function loadCompose(
  file: string,
  ...profiles: string[]
): { status: number | null; project?: z.infer<typeof project>; error: string } {
  const run = spawnSync(composeCheck, [file, ...profiles], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return {
    status: run.status,
    error: run.stderr,
    ...(run.status === 0 && { project: project.parse(JSON.parse(run.stdout)) }),
  };
}

describe('docker-compose.yml', () => {
  const composeFile = path.join(projectRoot, 'docker-compose.yml');

  it('is a valid compose file, with the sandbox only in its profile', () => {
    const plain = loadCompose(composeFile);
    expect(plain.error).toBe('');
    expect(Object.keys(plain.project?.services ?? {}).sort()).toEqual([
      'api',
      'postgresql',
      'refunds-setup',
      'temporal',
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
    const withSandbox = loadCompose(composeFile, 'sandbox');
    expect(withSandbox.project?.services.sandbox?.profiles).toEqual(['sandbox']);
  });

  it('is refused by the checker when it breaks the specification', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    try {
      const broken = path.join(dir, 'docker-compose.yml');
      writeFileSync(
        broken,
        'services:\n  worker:\n    image: x:1\n    restart: sometimes\n    depends_on: { api: { condition: when-ready } }\n'
      );
      const result = loadCompose(broken);
      expect(result.status).not.toBe(0);
      expect(result.error).toMatch(/restart|condition|depends_on/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pins every image it pulls, Temporal server and admin-tools at the same version', () => {
    const services = loadCompose(composeFile, 'sandbox').project?.services ?? {};
    const images = Object.values(services)
      .filter((s) => !s.build) // our own image is built from this repository
      .map((s) => s.image ?? '');
    expect(images.length).toBeGreaterThanOrEqual(5);
    for (const image of images) expect(image).toMatch(/:[^:]*\d[^:]*$/); // a tag with a version in it
    expect(images.some((i) => i.endsWith(':latest'))).toBe(false);
    const version = (name: string) => services[name]?.image?.split(':')[1];
    expect(services.temporal?.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-schema']?.image).toMatch(/^temporalio\/admin-tools:/);
    expect(version('temporal-schema')).toBe(version('temporal'));
    expect(version('temporal-namespace')).toBe(version('temporal'));
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
    // `npm run cluster` builds the same releases from the Go module proxy.
    expect(`v${version('temporal')}`).toBe(TEMPORAL_SERVER_VERSION);
    expect(`v${version('temporal-ui')}`).toBe(TEMPORAL_UI_VERSION);
  });

  it('starts in order: database, schema, server, namespace, search attributes, then worker and API', () => {
    const s = loadCompose(composeFile).project?.services ?? {};
    const waitsFor = (name: string) =>
      Object.fromEntries(Object.entries(s[name]?.depends_on ?? {}).map(([dep, d]) => [dep, d.condition]));
    expect(waitsFor('temporal-schema')).toEqual({ postgresql: 'service_healthy' });
    expect(waitsFor('temporal')).toEqual({ 'temporal-schema': 'service_completed_successfully' });
    expect(waitsFor('temporal-namespace')).toEqual({ temporal: 'service_healthy' });
    expect(waitsFor('refunds-setup')).toEqual({ 'temporal-namespace': 'service_completed_successfully' });
    expect(waitsFor('worker')).toEqual({ 'refunds-setup': 'service_completed_successfully' });
    expect(waitsFor('api')).toEqual({ 'refunds-setup': 'service_completed_successfully' });
    for (const name of ['postgresql', 'temporal', 'worker', 'api'])
      expect(s[name]?.healthcheck?.test.length).toBeGreaterThan(0);
    // The schema comes from Temporal's own tool, not from SQL of ours.
    expect(readFileSync(path.join(projectRoot, 'deploy', 'temporal', 'setup-postgres.sh'), 'utf8')).toMatch(
      /temporal-sql-tool[^\n]*\n?[^\n]*update-schema/
    );
  });

  it("runs the worker scalable and drained: no fixed name or host port, a stop grace beyond the worker's own bound", () => {
    const worker = loadCompose(composeFile).project?.services.worker;
    expect(worker?.container_name).toBeUndefined();
    expect(worker?.ports ?? []).toEqual([]);
    expect(worker?.command).toEqual(['node', 'lib/worker.js']);
    // Compose SIGKILLs at its stop grace; the worker exits by its drain grace + the margin.
    const env = Object.fromEntries(
      Object.entries(worker?.environment ?? {}).filter((e): e is [string, string] => e[1] !== null)
    );
    const boundMs = loadConfig(env, () => '').workerShutdownGraceMs + SHUTDOWN_BOUND_MARGIN_MS;
    const graceMs = 1000 * Number(/^(\d+)s$/.exec(worker?.stop_grace_period ?? '')?.[1] ?? 0);
    expect(graceMs).toBeGreaterThan(boundMs);
  });

  it('gives the worker, API and setup a configuration that passes validation in production', () => {
    const s = loadCompose(composeFile).project?.services ?? {};
    for (const name of ['worker', 'api', 'refunds-setup']) {
      const env = Object.fromEntries(
        Object.entries(s[name]?.environment ?? {}).filter((e): e is [string, string] => e[1] !== null)
      );
      expect(env.NODE_ENV).toBe('production');
      const config = loadConfig(env, () => '');
      expect(config.temporal.address).toBe('temporal:7233');
      expect(config.api.tokens.length).toBeGreaterThan(0);
    }
    // The one-shot setup registers exactly docs/contract.md's search attributes, from the code's one list.
    expect(s['refunds-setup']?.command).toEqual(['node', 'lib/temporal/setup.js']);
    expect(refundSearchAttributeKeys.map((k) => k.name).sort()).toEqual(
      [
        'NeedsAttention',
        'PaymentId',
        'ReconcilerStalled',
        'RefundAmount',
        'RefundCurrency',
        'RefundProvider',
        'RefundStatus',
      ].sort()
    );
  });

  it("points every registered provider at the sandbox in the sandbox profile's settings, as its adapter does", () => {
    const file = readFileSync(path.join(projectRoot, 'deploy/sandbox.env'), 'utf8');
    const set = Object.fromEntries(
      file
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    );
    // A provider added to the registries without its lines here would stop the compose stack at start.
    expect(set).toMatchObject(sandboxProviderEnv('http://sandbox:4010'));
  });
});

describe('Dockerfile', () => {
  it('passes hadolint with no finding', () => {
    const run = spawnSync(hadolint, ['--no-color', '-'], { input: dockerfile, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('is linted for real: a careless Dockerfile is flagged', () => {
    const run = spawnSync(hadolint, ['--no-color', '-'], {
      input: 'FROM node:latest\nRUN cd /app && npm install\nCMD node index.js\n',
      encoding: 'utf8',
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain('DL3007'); // latest tag
  });

  it('builds in stages, installs production packages only, prebuilds the bundle and runs as non-root', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toMatch(/RUN npm run build/);
    const scripts = z
      .object({ scripts: z.object({ build: z.string() }) })
      .parse(JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8'))).scripts;
    expect(scripts.build).toContain('bundle-workflows.js lib/workflow-bundle.js');
    expect(dockerfile).toMatch(/WORKFLOW_BUNDLE=\/app\/lib\/workflow-bundle\.js/);
    const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(lastStage).toMatch(/^USER 1000:1000$/m); // the node image's unprivileged user
    expect(lastStage).toMatch(/^CMD \["node", "lib\/worker\.js"\]$/m);
  });
});

describe('shell scripts', () => {
  // What the one-shot containers run (POSIX sh in admin-tools), and CI's entry point.
  const scripts = [
    ...readdirSync(path.join(projectRoot, 'deploy', 'temporal'))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => path.join('deploy', 'temporal', f)),
    path.join('.ci', 'run'),
  ];

  it('pass ShellCheck with no finding', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    const run = spawnSync(shellcheck, ['--color=never', ...scripts], { cwd: projectRoot, encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('are checked for real: a careless script is flagged', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shellcheck-'));
    try {
      writeFileSync(path.join(dir, 'careless.sh'), '#!/bin/sh\nrm -rf $DIR/*\n');
      const run = spawnSync(shellcheck, ['--color=never', 'careless.sh'], { cwd: dir, encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(run.stdout).toContain('SC2115'); // an empty $DIR would make it rm -rf /*
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
