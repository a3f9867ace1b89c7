import path from 'node:path';
import { parseArgs } from 'node:util';

import type * as Commands from './commands';
import { parseDuration } from './stuck';
import { options, usage, UsageError } from './usage';

/*
 * `npx refunds …` (bin/refunds.js). This entry loads only what help and usage errors need; the
 * commands, and with them the Temporal client, zod and the config, are loaded once a command is
 * known to run: most of the CLI's start-up time is loading modules.
 */

const commands = new Set(['start', 'get', 'list', 'watch', 'approve', 'cancel', 'escalate', 'resolve', 'payment']);

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [command] = positionals;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!command) throw new UsageError('refunds needs a command');
  if (!commands.has(command)) throw new UsageError(`unknown command ${command}`);
  if (values.stuck !== undefined) {
    if (command !== 'list') throw new UsageError('--stuck is an option of refunds list');
    parseDuration(values.stuck, '--stuck'); // a bad one is refused before anything loads or connects
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand: see the top of this file (CommonJS: no import())
  const { runCommand } = require('./commands') as typeof Commands;
  return runCommand(command, positionals, values);
}

/** One line for a module that cannot be loaded: what to do, not a stack trace. */
function missingModule(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code !== 'MODULE_NOT_FOUND' || typeof e.message !== 'string') return undefined;
  const name = /Cannot find module '([^']+)'/.exec(e.message)?.[1] ?? 'a module';
  // This file is src/cli/main.ts or lib/cli/main.js: the project is two folders up.
  const root = path.resolve(__dirname, '..', '..');
  return /^[./]/.test(name)
    ? `refunds: cannot load ${name}: the build in ${path.join(root, 'lib')} is incomplete: run \`npm run build\` in ${root}`
    : `refunds: cannot load ${name}: run \`npm install\` in the refund orchestrator's folder (${root}), and run \`npx refunds\` from inside it`;
}

run(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    const name = err instanceof Error ? err.name : undefined;
    const missing = missingModule(err);
    if (err instanceof UsageError) console.error(`${err.message}\n\n${usage}`);
    else if (missing) console.error(missing);
    // parseArgs' own errors (unknown option, missing value) are usage errors too.
    else if (err instanceof TypeError && (err as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS'))
      console.error(`${err.message}\n\n${usage}`);
    // By name, not instanceof: the classes live in the modules loaded on demand.
    else if (name === 'InvalidRefundRequestError' || name === 'ConfigError') console.error((err as Error).message);
    else if (name === 'WorkflowNotFoundError') console.error('no such refund');
    // An update a validator refused says why in its cause.
    else if (err instanceof Error && err.cause instanceof Error) console.error(`${err.message}: ${err.cause.message}`);
    else console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  });
