/** Jest runs TypeScript through SWC (fast, no type-check); `npm run build` and `npm run typecheck` type-check. */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
const common = {
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFilesAfterEnv: ['<rootDir>/test/helpers/setupEnv.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 2,
  testTimeout: 30_000,
  // The coverage gate: `npm test` runs `jest --coverage`. Both projects count (the integration project runs the
  // adapters in-process against Azurite and the simulator; code in child processes, the runner's and the CLI's, does
  // not). V8 counts the four type-only files (config/types.ts, protection/protectionTypes.ts, report/reportTypes.ts,
  // rules/decision.ts) as uncovered: 175 lines and their 4 module functions. Measured on full runs (2026-12-05):
  // lines 95.35 %, branches 93.69 to 93.84 %, functions 98.62 %; the threshold sits 1.3 to 2.7 points below so noise
  // does not fail CI. Raise it when coverage rises.
  coverageProvider: 'v8',
  collectCoverageFrom: ['src/lib/**/*.ts'],
  coverageReporters: ['text', 'json-summary', 'lcov'],
  coverageThreshold: {
    './src/lib/': { lines: 94, branches: 91, functions: 97 },
  },
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/{integration,simulator,runner,stack,security,chaos,cli}/**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/globalSetup.ts',
      globalTeardown: '<rootDir>/test/helpers/globalTeardown.ts',
    },
  ],
};
