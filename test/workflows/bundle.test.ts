import { readFileSync } from 'node:fs';

/**
 * What the workflow bundle holds. A worker evaluates the bundle's modules again for every workflow
 * in its cache, so a library imported by workflow code costs memory per cached refund: with the
 * provider request schemas in the bundle (zod), 3,000 waiting SecPaid refunds took 3.8 and 4.5 GB
 * in two workers after two minutes, against 0.8 GB without (BENCH_PHASES=waiting,
 * BENCH_WAITING_REFUNDS=3000, cache 500). Zod belongs at the boundaries, not in workflows.
 */
const bundle = readFileSync(process.env.TEST_WORKFLOW_BUNDLE ?? '', 'utf8');
/** The modules webpack put in the bundle, by their paths (`./node_modules/zod/v4/…`). */
const modules = [...bundle.matchAll(/^\/\*\*\*\/ "([^"]+)"$/gm)].map((m) => m[1]!);

it('lists its modules (so that the checks below look at something)', () => {
  expect(modules).toEqual(expect.arrayContaining(['./src/workflows/index.ts', './src/providers/lifecycle.ts']));
});

it('holds no zod and no request schema: workflow code takes the provider registry from providers/lifecycle', () => {
  expect(modules.filter((m) => /node_modules\/zod\//.test(m))).toEqual([]);
  expect(modules.filter((m) => /\/(request|requests|money|request-fields)\.ts$/.test(m))).toEqual([]);
});

it('holds no Node-side code of ours (adapters, config, logger, sandbox)', () => {
  expect(
    modules.filter((m) => /\/(adapter|adapters|settings|config|logger)\.ts$|\/(sandbox|activities|api|dev)\//.test(m))
  ).toEqual([]);
});
