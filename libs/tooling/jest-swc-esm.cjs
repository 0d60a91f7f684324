// Jest (on Node < 24.9) cannot require ES modules, and NestJS 12 ships only ES modules, so those
// packages are compiled to CommonJS for tests. `import.meta.url` has no CommonJS form: it
// becomes the file URL of the module, which is what it meant.
const swcJest = require('@swc/jest');

// `const require = createRequire(import.meta.url)` would shadow CommonJS's own require.
const LOCAL_REQUIRE = /const require = createRequire\(import\.meta\.url\);?/g;
const IMPORT_META_URL = /import\.meta\.url/g;
const FILE_URL = "require('node:url').pathToFileURL(__filename).href";

function rewrite(source) {
  if (!source.includes('import.meta')) return source;
  return source.replace(LOCAL_REQUIRE, '').replace(IMPORT_META_URL, FILE_URL);
}

module.exports = {
  createTransformer(options) {
    const inner = swcJest.createTransformer({
      ...options,
      swcrc: false,
      jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
      module: { type: 'commonjs', ignoreDynamic: false },
    });
    return {
      ...inner,
      process: (source, filename, transformOptions) =>
        inner.process(rewrite(source), filename, transformOptions),
      processAsync: (source, filename, transformOptions) =>
        inner.processAsync(rewrite(source), filename, transformOptions),
      getCacheKey: (source, filename, ...rest) =>
        inner.getCacheKey(rewrite(source), filename, ...rest),
    };
  },
};
