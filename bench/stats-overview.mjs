// Measures the dashboard reads at scale: seeds a scratch database with N LLM calls (and two
// messages per call) spread over the last D days, rolls them up, then times sequential
// GET /admin/stats/overview (and the timeseries and request log) against the built API.
//   npm run build && node bench/stats-overview.mjs [--rows 1000000] [--days 30] [--samples 20]
//     [--server-url postgres://postgres@127.0.0.1:5432/postgres]
// The scratch database is created on that server and dropped at the end.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { percentile, round, startApi } from './lib.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '30' },
    samples: { type: 'string', default: '20' },
    'server-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const rows = Number(values.rows);
const days = Number(values.days);
const samples = Number(values.samples);
const database = `promptdev_bench_stats_${process.pid}`;
const databaseUrl = new URL(values['server-url']);
databaseUrl.pathname = `/${database}`;

const summary = (samplesMs) => {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median =
    sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  return {
    median: round(median),
    p95: round(percentile(sorted, 95)),
    min: round(sorted[0]),
    max: round(sorted.at(-1)),
  };
};

async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function timed(work) {
  const started = performance.now();
  const result = await work();
  return { ms: round(performance.now() - started), result };
}

async function request(api, method, route, body) {
  const response = await fetch(`${api.base}${route}`, {
    method,
    headers: body === undefined ? api.admin : { 'content-type': 'application/json', ...api.admin },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${json.code}`);
  return json;
}

async function sample(api, route) {
  for (let index = 0; index < 3; index += 1) await request(api, 'GET', route);
  const times = [];
  for (let index = 0; index < samples; index += 1) {
    times.push((await timed(() => request(api, 'GET', route))).ms);
  }
  return summary(times);
}

await withClient(values['server-url'], (client) => client.query(`CREATE DATABASE ${database}`));
let api;
try {
  api = await startApi({
    DATABASE_URL: databaseUrl.toString(),
    // Nothing here calls the LLM; an address that refuses keeps the dev stub from starting.
    LLM_BASE_URL: 'http://127.0.0.1:9',
    STATS_AGGREGATION_INTERVAL_MS: '0',
  });

  // The API migrated the database at boot; fill it the way months of chats would.
  const seed = await timed(() =>
    withClient(databaseUrl.toString(), async (client) => {
      const spread = `now() - (i::float8 / $1) * interval '${days} days'`;
      await client.query(
        `INSERT INTO llm_requests
           (user_id, template_name, template_version, model, api, stream, prompt_tokens,
            completion_tokens, latency_ms, status, error_code, created_at)
         SELECT 'bench-user-' || (i % 10000), 'persona-' || (i % 7), 1, 'default', 'openai',
                i % 3 = 0, 200 + i % 300, 20 + i % 80, 50 + (i::bigint * 7919) % 2000,
                CASE WHEN i % 50 = 0 THEN 'error' WHEN i % 97 = 0 THEN 'blocked' ELSE 'ok' END,
                CASE WHEN i % 50 = 0 THEN 'llm_unavailable' END,
                ${spread}
           FROM generate_series(1, $1) AS i`,
        [rows],
      );
      await client.query(
        `INSERT INTO conversation_history (user_id, role, source, content, created_at)
         SELECT 'bench-user-' || ((i / 2) % 10000),
                CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END,
                CASE WHEN i % 2 = 0 THEN 'user' ELSE 'llm' END,
                'message ' || i,
                now() - (i::float8 / ($1 * 2)) * interval '${days} days'
           FROM generate_series(1, $1 * 2) AS i`,
        [rows],
      );
      await client.query(
        `INSERT INTO user_state (user_id, first_seen, last_activity, message_count)
         SELECT user_id, min(created_at), max(created_at), count(*)
           FROM conversation_history GROUP BY user_id`,
      );
      await client.query('ANALYZE');
    }),
  );

  const rawOverview = await sample(api, '/admin/stats/overview');
  const backfill = await timed(() =>
    request(api, 'POST', '/admin/stats/aggregate', {
      from: new Date(Date.now() - Math.min(days, 31) * 86400000).toISOString(),
    }),
  );
  const recent = await timed(() => request(api, 'POST', '/admin/stats/aggregate'));

  const result = {
    database: 'postgres',
    llm_requests: rows,
    messages: rows * 2,
    days,
    samples,
    seed_s: round(seed.ms / 1000),
    aggregate_backfill: { ms: backfill.ms, windows: backfill.result.windows },
    aggregate_last_48h: { ms: recent.ms, windows: recent.result.windows },
    overview_ms: await sample(api, '/admin/stats/overview'),
    overview_before_aggregation_ms: rawOverview,
    timeseries_24h_ms: await sample(api, '/admin/stats/timeseries'),
    timeseries_30d_by_day_ms: await sample(api, '/admin/stats/timeseries?bucket=day'),
    llm_requests_page_ms: await sample(api, '/admin/llm-requests?limit=50'),
    llm_requests_page_of_one_user_ms: await sample(
      api,
      '/admin/llm-requests?limit=50&user_id=bench-user-42',
    ),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await api?.stop();
  await withClient(values['server-url'], (client) =>
    client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  );
}
