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
        { object: 'Math', property: 'random', message: 'Use the SDK-seeded Math.random only via @temporalio/workflow helpers.' },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: ['fs', 'http', 'https', 'net', 'child_process', 'ccxt', '../activities/*', '../brokers/*'] },
      ],
    },
  },
);
