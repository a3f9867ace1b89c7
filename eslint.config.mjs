// @ts-check
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Workflow code runs in Temporal's deterministic sandbox and is replayed from history: it must not
// touch the clock, the network, the filesystem or process state except through the Temporal APIs.
// The SDK's bundler enforces part of this at bundle time; this rule says it at edit time, with the
// reason, and also covers our own node-only modules (config, logger, HTTP, provider clients).
const workflowForbiddenImports = [
  ...builtinModules.flatMap((m) => [m, `node:${m}`]),
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  'pino',
  'pino-pretty',
  'fastify',
  'undici',
];

// Workflow code and the modules it may import at run time.
const workflowSafeModules = [
  'src/workflows/**/*.ts',
  'src/refunds/**/*.ts',
  'src/providers/definition.ts',
  'src/providers/lifecycle.ts',
  'src/providers/registry.ts',
  'src/providers/*/index.ts',
  'src/providers/*/profile.ts',
  'src/providers/*/reconciler-state.ts',
];
// The modules that define the request with zod; workflow code imports their types only.
const schemaModules = [
  'src/refunds/money.ts',
  'src/refunds/request.ts',
  'src/refunds/request-fields.ts',
  'src/refunds/operator.ts',
  'src/providers/*/request.ts',
];
// Node-only modules of our own; of src/providers, workflow code reads the registry, definitions and
// profiles (and request schemas for their types).
const nodeOnlyModules = {
  regex:
    '(^|/)(config|logger|activities|sandbox|dev|temporal)(/|$)|/providers(/index)?$|/providers/(?!definition$|lifecycle$|registry$|[^/]+/(profile|request|reconciler-state)$)',
  message:
    'Workflow code may import only workflow-safe modules (src/workflows, src/refunds, providers/lifecycle, provider definitions and profiles; request schemas for their types).',
  allowTypeImports: true,
};
const schemaModuleImports = {
  regex: '(^|/)(money|request|request-fields|operator)$',
  message:
    'A request schema brings zod into the workflow bundle: import its types only (money arithmetic is in refunds/minor-units).',
  allowTypeImports: true,
};

export default tseslint.config(
  { ignores: ['node_modules/', 'lib/', '.tools/', '.data/', 'coverage/', 'bench/results/', 'test/histories/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': ['error', { patterns: ['@temporalio/*/src/*'] }],
      // Fastify handlers are async so that a returned value is the reply; many never await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Workflow code, and the plain-data modules it imports: the refund domain, the provider registry
    // and its definitions and profiles. None of them may import zod or a module holding a schema
    // (for its types only): a worker evaluates the bundle once per workflow in its cache, and zod in
    // the bundle made a waiting worker five times larger (test/workflows/bundle.test.ts).
    files: workflowSafeModules,
    ignores: schemaModules,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...workflowForbiddenImports, 'zod'].map((name) => ({
            name,
            message:
              'Workflow code must stay deterministic and small: no I/O, node builtins, worker-side modules or zod.',
            allowTypeImports: true,
          })),
          patterns: [nodeOnlyModules, schemaModuleImports],
        },
      ],
    },
  },
  {
    // The refund request's schemas: zod, and nothing else a workflow must not have, so that their
    // types can be shared with workflow code.
    files: schemaModules,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: workflowForbiddenImports.map((name) => ({
            name,
            message: 'Request schemas are plain data: no I/O, node builtins or worker-side modules.',
          })),
          patterns: [nodeOnlyModules],
        },
      ],
    },
  },
  {
    // Jest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any`.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs', 'bin/*.js', 'jest.config.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier
);
