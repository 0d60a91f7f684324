// Compiles TypeScript sources to CommonJS with swc (fast, keeps decorator metadata for NestJS/TypeORM).
// Usage: node libs/tooling/swc-build.mjs --swcrc apps/api/.swcrc --out dist/api apps/api/src migrations
import { transformFile } from '@swc/core';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  if (index === -1) throw new Error(`missing ${name}`);
  const [value] = args.splice(index, 2).slice(1);
  return value;
};
const swcrcPath = option('--swcrc');
const outDir = option('--out');
const sourceDirs = args;
const swcOptions = JSON.parse(await readFile(swcrcPath, 'utf8'));
delete swcOptions.$schema;
// Workspace path aliases (tsconfig.base.json) become relative requires in the output.
const { compilerOptions } = JSON.parse(await readFile('tsconfig.base.json', 'utf8'));
swcOptions.jsc = { ...swcOptions.jsc, baseUrl: process.cwd(), paths: compilerOptions.paths ?? {} };

const testFile = /\.(spec|int-spec|e2e-spec)\.ts$/;
async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.d.ts') &&
      !testFile.test(entry.name)
    )
      yield full;
  }
}

await rm(outDir, { recursive: true, force: true });
let count = 0;
for (const dir of sourceDirs) {
  for await (const file of sources(dir)) {
    const target = path.join(outDir, file.replace(/\.ts$/, '.js'));
    const { code, map } = await transformFile(file, {
      ...swcOptions,
      swcrc: false,
      filename: file,
      sourceFileName: path.relative(path.dirname(target), file),
    });
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(
      target,
      map ? `${code}\n//# sourceMappingURL=${path.basename(target)}.map` : code,
    );
    if (map) await writeFile(`${target}.map`, map);
    count += 1;
  }
}
console.log(`swc: compiled ${count} files into ${outDir}`);
