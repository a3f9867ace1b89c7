/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // `*.scale.test.ts` take minutes each: `npm run test:scale` (TEST_SCALE=1); `*.cluster.test.ts`
  // needs PostgreSQL and Temporal's server built: `npm run test:cluster` (TEST_CLUSTER=1). .ci/run runs both.
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(process.env.TEST_SCALE === '1' ? [] : ['\\.scale\\.test\\.ts$']),
    ...(process.env.TEST_CLUSTER === '1' ? [] : ['\\.cluster\\.test\\.ts$']),
  ],
  transform: {
    // Type-checking is `npm run lint`'s job (tsc --noEmit); tests only need the code transpiled.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  modulePathIgnorePatterns: ['<rootDir>/lib/', '<rootDir>/.tools/'],
  testTimeout: 60_000,
  // Each test file starts its own in-process worker. Most of a file's time is spent waiting on the
  // server, the sandbox and child processes, not on CPU: on a 2-core machine, three files at a time
  // ran the suite in 397 s against 611 s for two (9 min 32 s and 8 min 48 s of CPU), and four in
  // 379 s against 425 s for three (jest's own time, 2026-12-02; the three without the UI file).
  maxWorkers: 4,
};
