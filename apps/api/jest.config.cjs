const path = require('node:path');
const { swcTransform } = require('../../libs/tooling/jest.swc.cjs');

const transform = swcTransform(path.join(__dirname, '.swcrc'));
const rootDir = path.join(__dirname, '../..');
const shared = {
  rootDir,
  ...transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/apps/api/test/setup/quiet-logs.ts'],
};
// The embedded database is a single session: files must then run one at a time.
const databaseIsShared =
  !process.env.TEST_DATABASE_URL && !require('./test/setup/docker-available.cjs').dockerAvailable();

module.exports = {
  rootDir,
  maxWorkers: databaseIsShared ? 1 : '50%',
  // Jest reads testTimeout only at the top level; per-project values are ignored.
  testTimeout: 30000,
  reporters: ['default', path.join(rootDir, 'libs/tooling/jest-summary-reporter.cjs')],
  projects: [
    {
      ...shared,
      displayName: 'api:unit',
      testMatch: [
        '<rootDir>/apps/api/src/**/*.spec.ts',
        '<rootDir>/migrations/**/*.spec.ts',
        '<rootDir>/apps/api/test/lint/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'api:int',
      testMatch: ['<rootDir>/apps/api/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/apps/api/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/apps/api/test/setup/global-teardown.ts',
      testTimeout: 30000,
    },
    {
      ...shared,
      displayName: 'api:e2e',
      testMatch: ['<rootDir>/apps/api/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/apps/api/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/apps/api/test/setup/global-teardown.ts',
      testTimeout: 30000,
    },
  ],
};
