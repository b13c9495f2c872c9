/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // ESM-only packages (ccxt's @noble/@scure, the strategies' trading-signals): Node loads them natively,
    // Jest needs them transpiled to CommonJS.
    '^.+/node_modules/(@noble|@scure|trading-signals)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@noble|@scure|trading-signals)/)'],
  // One real Temporal dev server per jest run (tests/setup/global-setup.ts).
  globalSetup: '<rootDir>/tests/setup/global-setup.ts',
  globalTeardown: '<rootDir>/tests/setup/global-teardown.ts',
  testTimeout: 120_000,
  // The SDK's native runtime can keep the process alive after the last suite (a CI run once hung there
  // until its time limit); teardown has stopped the server by then, so nothing is lost by exiting.
  forceExit: true,
  verbose: true,
};
