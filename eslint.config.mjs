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
    // and its definitions and profiles. (Request schemas are listed too, for their types; a value
    // import of one would bring zod into every workflow: test/workflows/bundle.test.ts.)
    files: [
      'src/workflows/**/*.ts',
      'src/refunds/**/*.ts',
      'src/providers/definition.ts',
      'src/providers/lifecycle.ts',
      'src/providers/registry.ts',
      'src/providers/*/index.ts',
      'src/providers/*/profile.ts',
      'src/providers/*/request.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: workflowForbiddenImports.map((name) => ({
            name,
            message: 'Workflow code must stay deterministic: no I/O, node builtins or worker-side modules.',
          })),
          patterns: [
            {
              // Node-only modules of our own; of src/providers only profiles and request schemas are plain data.
              regex:
                '(^|/)(config|logger|activities|sandbox|dev|temporal)(/|$)|/providers(/index)?$|/providers/(?!definition$|lifecycle$|registry$|[^/]+/(profile|request)$)',
              message:
                'Workflow code may import only workflow-safe modules (src/workflows, src/refunds, providers/lifecycle, provider definitions and profiles; request schemas for their types).',
              allowTypeImports: true,
            },
          ],
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
