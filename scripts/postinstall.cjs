// After `npm install`: make sure a Temporal CLI is there for `npm start` and `npm test`, building it
// from the Go module proxy when none is found (see src/dev/temporal-cli.ts). A production install
// (`npm ci --omit=dev`) needs no CLI and has no tsx, so it is skipped; so is TEMPORAL_SKIP_CLI=1.
// A failure here does not fail the install: `npm start` and `npm test` try again and explain.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

if (process.env.TEMPORAL_SKIP_CLI === '1') process.exit(0);

let tsxCli;
try {
  tsxCli = require.resolve('tsx/cli', { paths: [path.join(__dirname, '..')] });
} catch {
  console.log('[postinstall] tsx is not installed (production install): skipping the Temporal CLI check');
  process.exit(0);
}

const result = spawnSync(process.execPath, [tsxCli, path.join(__dirname, '..', 'src', 'dev', 'temporal-cli.ts')], {
  stdio: 'inherit',
});
if (result.status !== 0) {
  console.warn('[postinstall] no Temporal CLI yet; `npm start` and `npm test` will need one (see the message above)');
}
