const fs = require('node:fs');
const path = require('node:path');
const { swcTransform } = require('../../libs/tooling/jest.swc.cjs');

const rootDir = path.join(__dirname, '../..');
const webSwc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete webSwc.$schema;
const api = swcTransform(path.join(rootDir, 'apps/api/.swcrc'));

module.exports = {
  rootDir,
  reporters: ['default', path.join(rootDir, 'libs/tooling/jest-summary-reporter.cjs')],
  projects: [
    {
      rootDir,
      displayName: 'web:unit',
      // Components in a DOM; *.spec.ts (the SSE helper) runs in Node against a real server.
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/apps/web/src/**/*.spec.tsx', '<rootDir>/apps/web/src/**/*.spec.ts'],
      moduleFileExtensions: ['tsx', 'ts', 'js', 'json'],
      transform: {
        '^.+\\.(ts|tsx)$': ['@swc/jest', { ...webSwc, swcrc: false }],
      },
      moduleNameMapper: {
        '\\.css$': '<rootDir>/apps/web/test/style-stub.cjs',
        '^@promptdev/api-client$': '<rootDir>/libs/api-client/src/index.ts',
        '^(\\.{1,2}/.*)\\.js$': '$1',
      },
      setupFiles: ['<rootDir>/apps/web/test/dom-setup.cjs'],
    },
    {
      rootDir,
      displayName: 'web:e2e',
      ...api,
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: ['<rootDir>/apps/web/test/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/apps/api/test/setup/quiet-logs.ts'],
      globalSetup: '<rootDir>/apps/web/test/global-setup.ts',
      globalTeardown: '<rootDir>/apps/api/test/setup/global-teardown.ts',
      testTimeout: 60000,
    },
  ],
};
