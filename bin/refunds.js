#!/usr/bin/env node
// `npx refunds …`: the command-line tool for backends and operators (src/cli/main.ts).
//
// It runs the compiled lib/cli/main.js when `npm run build` made it from the sources as they are
// now (no file under src/ changed since): plain JavaScript loads in a fraction of the time tsx
// takes to load and transform the TypeScript. Otherwise it runs src/cli/main.ts through tsx, so
// an edit is never hidden behind a stale build.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const compiled = path.join(root, 'lib', 'cli', 'main.js');
const source = path.join(root, 'src', 'cli', 'main.ts');

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Whether some file under `dir` is newer than the build (a few ms for the whole of src/). */
function newerThan(dir, builtAt) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false; // no sources beside the build: the build is all there is
  }
  return entries.some((e) => {
    const file = path.join(dir, e.name);
    return e.isDirectory() ? newerThan(file, builtAt) : (mtimeMs(file) ?? 0) > builtAt;
  });
}

/** Not where it belongs, or not installed: one line saying what to do, exit 2 (a usage error). */
function fail(why) {
  console.error(`refunds: ${why}`);
  process.exit(2);
}

const builtAt = mtimeMs(compiled);
if (builtAt !== undefined && !newerThan(path.join(root, 'src'), builtAt)) {
  require(compiled);
} else {
  if (mtimeMs(source) === undefined) {
    fail(
      `no lib/cli/main.js or src/cli/main.ts in ${root}: run \`npx refunds\` inside the refund orchestrator's folder`
    );
  }
  try {
    require('tsx/cjs');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      fail(`cannot load tsx: run \`npm install\` in ${root}, and run \`npx refunds\` from inside that folder`);
    }
    throw err;
  }
  require(source);
}
