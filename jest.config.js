/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type-checking is `npm run lint`'s job (tsc --noEmit); tests only need the code transpiled.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  modulePathIgnorePatterns: ['<rootDir>/lib/', '<rootDir>/.tools/'],
  testTimeout: 60_000,
  // Each test file starts its own in-process worker; two files at a time fits a 2-core machine.
  maxWorkers: 2,
};
