// Jest transform settings shared by the projects: swc with decorator metadata (NestJS, TypeORM),
// plus CommonJS builds of the ES-module-only packages (see jest-swc-esm.cjs).
const fs = require('node:fs');
const path = require('node:path');

const ESM_ONLY_PACKAGES = [
  '@nestjs',
  'load-esm',
  'file-type',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
];

function swcTransform(swcrcPath) {
  const options = JSON.parse(fs.readFileSync(path.resolve(swcrcPath), 'utf8'));
  delete options.$schema;
  // Workspace path aliases (tsconfig.base.json) are rewritten by swc itself, so they also work
  // in globalSetup, which Jest loads outside its module system.
  const workspaceRoot = path.join(__dirname, '../..');
  const tsconfig = JSON.parse(
    fs.readFileSync(path.join(workspaceRoot, 'tsconfig.base.json'), 'utf8'),
  );
  options.jsc = {
    ...options.jsc,
    baseUrl: workspaceRoot,
    paths: tsconfig.compilerOptions.paths ?? {},
  };
  return {
    transform: {
      '^.+\\.ts$': ['@swc/jest', { ...options, swcrc: false }],
      '^.+\\.m?js$': path.join(__dirname, 'jest-swc-esm.cjs'),
    },
    transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
  };
}

module.exports = { swcTransform };
