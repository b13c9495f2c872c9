/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // ccxt's CommonJS build requires ESM-only @noble/@scure packages; Node loads them natively, Jest
    // needs them transpiled to CommonJS.
    '^.+/node_modules/(@noble|@scure)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@noble|@scure)/)'],
  // One real Temporal dev server per jest run (tests/setup/global-setup.ts).
  globalSetup: '<rootDir>/tests/setup/global-setup.ts',
  globalTeardown: '<rootDir>/tests/setup/global-teardown.ts',
  testTimeout: 120_000,
  verbose: true,
};
