// `npm run bench`: the built API on a scratch PostgreSQL database and the llm-stub at zero
// latency, seeded and warmed up, then the scenarios of issue 11, each bounded in time, on
// loopback only. Prints a markdown table and writes bench/results/latest.json.
//   npm run bench [-- --only=sequential,concurrent] [-- --quick]   (or BENCH_QUICK=1)
// DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres);
// the run creates its own database there and drops it at the end.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { root, scratchDatabase, startApi, startStub, within, withClient } from './lib.mjs';
import { load } from './load.mjs';
import * as scenarios from './scenarios.mjs';

const ALL = {
  sequential: ['1. sequential turns', scenarios.sequential],
  concurrent: ['2. concurrent load', scenarios.concurrent],
  streaming: ['3. streaming', scenarios.streaming],
  streams: ['4. many open streams', scenarios.manyStreams],
  events: ['5. live events', scenarios.events],
  scale: ['6. scale', scenarios.scale],
  embedded: ['7. embedded database', scenarios.embedded],
};
const ON_POSTGRES = ['sequential', 'concurrent', 'streaming', 'streams', 'events', 'scale'];

const { values } = parseArgs({
  options: { only: { type: 'string' }, quick: { type: 'boolean', default: false } },
});
const quick = values.quick || ['1', 'true'].includes(process.env.BENCH_QUICK ?? '');
const selected = values.only ? values.only.split(',').map((name) => name.trim()) : Object.keys(ALL);
const unknown = selected.filter((name) => !(name in ALL));
if (unknown.length > 0)
  throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(ALL).join(', ')}`);
const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
// A stuck scenario fails alone instead of holding up the run.
const scenarioTimeoutMs = quick ? 180_000 : 300_000;

const rows = [];
const details = {};
const startedAt = new Date();
const loadAverage = os.loadavg().map((value) => Math.round(value * 100) / 100);

function contextFor(scenario, shared) {
  return {
    ...shared,
    quick,
    count: (full, small) => (quick ? small : full),
    seconds: (full) => (quick ? Math.max(1, Math.round(full / 20)) : full),
    /** A figure; `target` is [op, limit] with op <=, >= or 'all'; `pass` overrides the check. */
    row(figure, value, unit, target, pass) {
      let verdict = null;
      if (target) verdict = pass ?? (target[0] === '<=' ? value <= target[1] : value >= target[1]);
      rows.push({ scenario, figure, value, unit, target: target ?? null, pass: verdict });
    },
    detail(extra) {
      details[scenario] = { ...details[scenario], ...extra };
    },
  };
}

const stub = await startStub();
let database;
let api;
let failed = false;
try {
  const shared = { stub, apiEnv: { LLM_BASE_URL: stub.url } };
  if (selected.some((name) => ON_POSTGRES.includes(name))) {
    database = await scratchDatabase(serverUrl, `promptdev_bench_${process.pid}`);
    shared.databaseUrl = database.url;
    shared.apiEnv = { ...shared.apiEnv, DATABASE_URL: database.url };
    api = await startApi(shared.apiEnv);
    shared.api = api;
    details.postgres = await withClient(database.url, async (client) => {
      const { rows: version } = await client.query('SHOW server_version');
      return { server_version: version[0].server_version };
    });
    process.stderr.write('seeding and warming up\n');
    await scenarios.seed(
      api,
      [
        ...scenarios.users('seq-', 10),
        ...scenarios.users('load-', 64),
        ...scenarios.users('stream-', 10),
      ],
      quick ? 30 : 300,
    );
    await load({
      url: api.base,
      path: '/chat',
      connections: 64,
      durationS: quick ? 1 : 5,
      body: (user, index) => ({
        user_id: `load-${user}`,
        message: `warm-up ${index}`,
      }),
    }).result;
  }
  for (const name of selected) {
    const [title, run] = ALL[name];
    process.stderr.write(`running ${title}\n`);
    const started = performance.now();
    const ctx = contextFor(title, shared);
    try {
      await within(run(ctx), scenarioTimeoutMs, `did not finish in ${scenarioTimeoutMs / 1000} s`);
    } catch (error) {
      failed = true;
      const message = String(error?.message ?? error).replaceAll('|', '/');
      ctx.row('scenario error', message.slice(0, 240), '', ['all', 1], false);
      ctx.detail({ error: String(error?.stack ?? error) });
    }
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    ctx.detail({ seconds });
    process.stderr.write(`  ${title}: ${seconds} s\n`);
  }
} finally {
  await api?.stop();
  await stub.stop();
  await database?.drop();
}

const shown = (row) => `${row.value}${row.unit && row.unit !== '' ? ` ${row.unit}` : ''}`;
const target = (row) =>
  !row.target
    ? ''
    : row.target[0] === 'all'
      ? 'all'
      : `${row.target[0] === '<=' ? '≤' : '≥'} ${row.target[1]}${row.unit ? ` ${row.unit}` : ''}`;
const verdict = (row) => (row.pass === null ? '' : row.pass ? 'pass' : '**FAIL**');
const table = [
  '| scenario | figure | value | target | pass/fail |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map(
    (row) =>
      `| ${row.scenario} | ${row.figure} | ${shown(row)} | ${target(row)} | ${verdict(row)} |`,
  ),
].join('\n');

const packageVersion = (name) => {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'))
      .version;
  } catch {
    return null;
  }
};
const git = (...args) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
};
const machine = {
  cores: os.availableParallelism(),
  cpu_model: os.cpus()[0]?.model ?? null,
  memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  load_average_at_start: loadAverage,
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
const result = {
  mode: quick ? 'quick' : 'full',
  started_at: startedAt.toISOString(),
  seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  scenarios: selected,
  git: { commit: git('rev-parse', 'HEAD'), dirty: Boolean(git('status', '--porcelain')) },
  machine,
  packages: Object.fromEntries(
    [
      'fastify',
      '@nestjs/core',
      '@nestjs/platform-fastify',
      'typeorm',
      'pg',
      '@electric-sql/pglite',
      'autocannon',
    ].map((name) => [name, packageVersion(name)]),
  ),
  rows,
  details,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/latest.json'), `${JSON.stringify(result, null, 2)}\n`);

console.log(
  `\n${quick ? 'QUICK mode (counts and durations cut ~20x): not comparable with the targets.\n' : ''}` +
    `${machine.cores} cores (${machine.cpu_model}), load average at start ` +
    `${loadAverage.join(' ')}, node ${process.version}, commit ${result.git.commit?.slice(0, 10)}` +
    `${result.git.dirty ? ' (dirty)' : ''}, ${result.seconds} s` +
    `${result.seconds > 600 ? ' (over the 10-minute budget of a full run)' : ''}\n\n${table}\n\n` +
    'Written to bench/results/latest.json',
);
process.exitCode = failed ? 1 : 0;
