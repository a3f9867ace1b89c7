import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Build step (`npm run build`, the Dockerfile): bundles the workflows once, so that production
 * workers load the same file with `WORKFLOW_BUNDLE` and never run webpack at start.
 * Usage: node lib/temporal/bundle-workflows.js <output file>
 */
async function main(): Promise<void> {
  const output = process.argv[2];
  if (!output) throw new Error('usage: bundle-workflows <output file>');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  mkdirSync(path.dirname(output), { recursive: true });
  writeFileSync(output, code);
  process.stdout.write(`workflow bundle written to ${output} (${Math.round(code.length / 1024)} KiB)\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
