const path = require('node:path');
const { swcTransform } = require('../../libs/tooling/jest.swc.cjs');

const rootDir = path.join(__dirname, '../..');

module.exports = {
  rootDir,
  reporters: ['default', path.join(rootDir, 'libs/tooling/jest-summary-reporter.cjs')],
  projects: [
    {
      rootDir,
      ...swcTransform(path.join(__dirname, '.swcrc')),
      displayName: 'llm-stub',
      testEnvironment: 'node',
      moduleFileExtensions: ['ts', 'js', 'json'],
      testMatch: [
        '<rootDir>/libs/llm-stub/src/**/*.spec.ts',
        '<rootDir>/apps/llm-stub/test/**/*.e2e-spec.ts',
      ],
    },
  ],
};
