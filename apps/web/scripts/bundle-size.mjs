// Prints each built asset's gzip size and what the first page load costs (index.html's own
// scripts and styles, lazily loaded routes excluded); fails above the 300 KB budget.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 300;
const dir = process.argv[2] ?? 'dist/web';
const kb = (bytes) => Math.round(bytes / 102.4) / 10;
const gzipped = (file) => gzipSync(readFileSync(join(dir, file))).length;

const assets = readdirSync(join(dir, 'assets')).map((name) => `assets/${name}`);
const html = readFileSync(join(dir, 'index.html'), 'utf8');
const initial = new Set(['index.html']);
for (const [, file] of html.matchAll(/(?:src|href)="\/app\/([^"]+)"/g)) initial.add(file);

const rows = assets.map((file) => ({ file, gzip: gzipped(file) })).sort((a, b) => b.gzip - a.gzip);
for (const row of rows.slice(0, 12)) {
  const mark = initial.has(row.file) ? ' (initial)' : '';
  console.log(`  ${String(kb(row.gzip)).padStart(7)} KB gzip  ${row.file}${mark}`);
}
const initialBytes = [...initial].reduce((sum, file) => sum + gzipped(file), 0);
console.log(
  `web: initial load ${kb(initialBytes)} KB gzip (budget ${BUDGET_KB} KB), ${rows.length} assets`,
);
if (initialBytes > BUDGET_KB * 1024) {
  console.error(`web: initial load is over the ${BUDGET_KB} KB budget`);
  process.exit(1);
}
