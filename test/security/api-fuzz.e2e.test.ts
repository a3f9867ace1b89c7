import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { projectRoot } from '../../src/dev/temporal-cli';

/**
 * `npm run fuzz:api` as part of the suite: schemathesis, generated from the API's OpenAPI document,
 * against a stack of the script's own (without a token, with a wrong one, with a valid one). Its
 * output goes to `.data/fuzz-api/output.log`; a finding fails this test with the script's summary.
 */
const outputFile = path.join(projectRoot, '.data', 'fuzz-api', 'output.log');
const summaryFile = path.join(projectRoot, '.data', 'fuzz-api-last.json');

interface FuzzSummary {
  readonly runs: readonly { readonly name: string; readonly testCases?: number; readonly exitCode: number | null }[];
}

function runFuzz(): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(outputFile);
    const child = spawn(path.join(projectRoot, 'node_modules', '.bin', 'tsx'), ['src/dev/fuzz-api.ts'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.once('error', reject);
    child.once('close', (code) => out.end(() => resolve(code)));
  });
}

test('schemathesis finds nothing: no 5xx, no undocumented answer, no effect without a valid token', async () => {
  mkdirSync(path.dirname(outputFile), { recursive: true });
  const exitCode = await runFuzz();
  const output = readFileSync(outputFile, 'utf8');
  const summaryStart = output.lastIndexOf('fuzz-api summary');
  const summary = summaryStart >= 0 ? output.slice(summaryStart) : output.slice(-4000);
  if (exitCode !== 0) throw new Error(`npm run fuzz:api exited ${String(exitCode)}:\n${summary}`);
  // A clean exit must come from three runs that generated cases, not from a run that tested nothing.
  const report = JSON.parse(readFileSync(summaryFile, 'utf8')) as FuzzSummary;
  expect(report.runs.map((r) => r.name)).toEqual(['b1-no-token', 'b2-wrong-token', 'a-valid-token']);
  for (const run of report.runs) expect(run.testCases ?? 0).toBeGreaterThan(100);
}, 900_000);
