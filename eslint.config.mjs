import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'cdk.out/**', 'coverage/**', 'bin/**', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflows must be deterministic: forbid the non-deterministic globals outright.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Use the SDK-seeded Math.random only via @temporalio/workflow helpers.',
        },
      ],
      // No I/O in workflows; activities and brokers only as types (`import type`), which are erased.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'fs',
                'node:*',
                'http',
                'https',
                'net',
                'child_process',
                'ccxt',
                '../activities',
                '../activities/*',
                '../brokers/*',
              ],
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
