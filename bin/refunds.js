#!/usr/bin/env node
// `npx refunds …`: the command-line tool for backends and operators (src/cli/main.ts).
require('tsx/cjs');
require('../src/cli/main.ts');
