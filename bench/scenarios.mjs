// The scenarios of `npm run bench`. Each one gets the run's context (see run.mjs) and reports
// rows through `ctx.row(figure, value, unit, target)`; "added" always means the API's time
// minus the stub's, the stub measured directly the same way (same client, same concurrency).
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  call,
  cpuMs,
  cpuMsOfProcesses,
  machineBusyMs,
  llmBody,
  percentile,
  scrapeMetrics,
  sleep,
  startApi,
  subscribeEvents,
  timedPost,
  timedStream,
  watchRss,
  within,
  withClient,
} from './lib.mjs';
import { load } from './load.mjs';

export const TEMPLATE = 'bench-persona';
const TEMPLATE_CONTENT =
  'You are Luna, a warm companion talking to {{ user_id }}.\n' +
  'What you know about them:\n{{ user_context }}\nTheir mood today: {{ mood }}.';
const API_TOKEN = /event: token/;
const STUB_TOKEN = /"content":"[^"]/;

// No template_name: end users may not choose one (override_not_allowed); the bench persona
// is the default template, as a companion app's persona would be.
const chatBody = (user, index) => ({
  user_id: user,
  message: `message number ${index}: how was your day?`,
});

/** The template and, for each user, a little memory; then `turns` turns spread over them. */
export async function seed(api, users, turns) {
  const template = await call(api.base, 'POST', '/admin/templates', {
    headers: api.admin,
    body: { name: TEMPLATE, created_by: 'bench', content: TEMPLATE_CONTENT },
  });
  await call(api.base, 'POST', `/admin/templates/${template.id}/default`, { headers: api.admin });
  for (const user of users) {
    for (const [key, value] of [
      ['name', user],
      ['mood', 'curious'],
      ['likes', ['tea', 'long walks']],
    ])
      await call(api.base, 'PUT', `/admin/memory/${user}/${key}`, {
        headers: api.admin,
        body: { value },
      });
  }
  for (let index = 0; index < turns; index += 1)
    await timedPost(`${api.base}/chat`, chatBody(users[index % users.length], index));
}

export const users = (prefix, count) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

const ms = (value) => Math.round(value * 100) / 100;

/** 1. Sequential turns, one at a time, each followed by the same call made to the stub. */
export async function sequential(ctx) {
  const { api, stub } = ctx;
  const turns = ctx.count(2000, 100);
  const seqUsers = users('seq-', 10);
  const chat = [];
  const llm = [];
  let apiCpu = 0;
  for (let index = 0; index < turns; index += 1) {
    const cpuBefore = cpuMs(api.pid);
    chat.push(await timedPost(`${api.base}/chat`, chatBody(seqUsers[index % 10], index)));
    apiCpu += cpuMs(api.pid) - cpuBefore;
    llm.push(await timedPost(`${stub.url}/v1/chat/completions`, llmBody()));
  }
  // The floor under "added": a turn makes two database round trips (store the message and
  // read its context; store the reply), each at least one bare round trip.
  const roundTrips = await withClient(ctx.databaseUrl, async (client) => {
    const samples = [];
    for (let index = 0; index < ctx.count(1000, 50); index += 1) {
      const started = performance.now();
      await client.query('SELECT 1');
      samples.push(performance.now() - started);
    }
    return samples;
  });
  ctx.row('turns', turns, '');
  ctx.row('POST /chat p50', ms(percentile(chat, 50)), 'ms');
  ctx.row('stub call p50', ms(percentile(llm, 50)), 'ms');
  ctx.row('added p50', ms(percentile(chat, 50) - percentile(llm, 50)), 'ms', ['<=', 1.5]);
  ctx.row('added p99', ms(percentile(chat, 99) - percentile(llm, 99)), 'ms', ['<=', 5]);
  ctx.row('API CPU per turn, one at a time', ms(apiCpu / turns), 'ms');
  ctx.row('PostgreSQL round trip p50 (SELECT 1)', ms(percentile(roundTrips, 50)), 'ms');
}

/**
 * 2. 64 users at once for 30 s; then the stub alone at the same concurrency and the rate the
 * API reached, so "added" compares like with like. CPU from /proc of the API process.
 */
export async function concurrent(ctx) {
  const { api, stub } = ctx;
  const connections = 64;
  const cpuBefore = cpuMs(api.pid);
  const otherBefore = {
    stub: cpuMs(stub.pid),
    postgres: cpuMsOfProcesses('postgres'),
    loadGenerator: process.cpuUsage(),
    machine: machineBusyMs(),
  };
  const turns = await load({
    url: api.base,
    path: '/chat',
    connections,
    durationS: ctx.seconds(30),
    body: (user, index) => chatBody(`load-${user}`, index),
  }).result;
  const cpu = cpuMs(api.pid) - cpuBefore;
  const generator = process.cpuUsage(otherBefore.loadGenerator);
  const perTurn = (value) => ms(value / Math.max(1, turns.ok));
  const costs = {
    stub: perTurn(cpuMs(stub.pid) - otherBefore.stub),
    postgres: perTurn(cpuMsOfProcesses('postgres') - otherBefore.postgres),
    load_generator: perTurn((generator.user + generator.system) / 1000),
    machine: perTurn(machineBusyMs() - otherBefore.machine),
  };
  const direct = await load({
    url: stub.url,
    path: '/v1/chat/completions',
    connections,
    durationS: ctx.seconds(5),
    overallRate: Math.max(1, Math.round(turns.perSecond)),
    body: () => llmBody(),
  }).result;
  const p = (samples, rank) => percentile(samples, rank) ?? NaN;
  ctx.row('users', connections, '');
  ctx.row('turns/s', Math.round(turns.perSecond), '/s', ['>=', 1500]);
  ctx.row('POST /chat p50', ms(p(turns.latencies, 50)), 'ms');
  ctx.row('POST /chat p99', ms(p(turns.latencies, 99)), 'ms');
  ctx.row('added p50', ms(p(turns.latencies, 50) - p(direct.latencies, 50)), 'ms');
  ctx.row('added p99', ms(p(turns.latencies, 99) - p(direct.latencies, 99)), 'ms', ['<=', 20]);
  ctx.row('errors (non-2xx or failed)', turns.failed + turns.errors, '', ['<=', 0]);
  ctx.row('API CPU per turn', ms(cpu / Math.max(1, turns.ok)), 'ms');
  // Where the machine's CPU goes per turn: the ceiling on turns/s is cores * 1000 / machine.
  ctx.row('PostgreSQL CPU per turn', costs.postgres, 'ms');
  ctx.row('stub + load generator CPU per turn', ms(costs.stub + costs.load_generator), 'ms');
  ctx.row('machine CPU per turn (all processes)', costs.machine, 'ms');
  ctx.detail({
    statuses: turns.statuses,
    stub_per_second: Math.round(direct.perSecond),
    cpu_ms_per_turn: { api: perTurn(cpu), ...costs },
  });
}

/** 3. Time to the first streamed token, one stream at a time, against the stub's own. */
export async function streaming(ctx) {
  const { api, stub } = ctx;
  const streams = ctx.count(500, 25);
  const chat = [];
  const llm = [];
  for (let index = 0; index < streams; index += 1) {
    const turn = await timedStream(
      `${api.base}/chat/stream`,
      chatBody(`stream-${index % 10}`, index),
      API_TOKEN,
    );
    if (turn.firstMs === undefined || !turn.text.includes('event: done'))
      throw new Error(`a stream ended without tokens or done: ${turn.text.slice(0, 300)}`);
    chat.push(turn.firstMs);
    llm.push(
      (await timedStream(`${stub.url}/v1/chat/completions`, llmBody(true), STUB_TOKEN)).firstMs,
    );
  }
  ctx.row('streams', streams, '');
  ctx.row('first token p50 (API)', ms(percentile(chat, 50)), 'ms');
  ctx.row('first token added p50', ms(percentile(chat, 50) - percentile(llm, 50)), 'ms', ['<=', 2]);
  ctx.row('first token added p99', ms(percentile(chat, 99) - percentile(llm, 99)), 'ms');
}

/**
 * 4. Many streams open at once against a slow LLM (one token a second, 3 tokens): how many are
 * served within the deadline, how many reach the LLM at once, the API's memory and event loop.
 */
export async function manyStreams(ctx) {
  const { api, stub } = ctx;
  const streams = ctx.count(5000, 250);
  const tokens = 3;
  const deadlineMs = ctx.quick ? 30000 : 150000;
  await stub.configure({ token_latency_ms: 1000, reply_tokens: tokens });
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), deadlineMs);
  await scrapeMetrics(api); // resets the lag histogram
  const rss = watchRss(api.pid);
  const health = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const started = performance.now();
      await fetch(`${api.base}/health`).then((r) => r.arrayBuffer());
      health.push(performance.now() - started);
      await sleep(250);
    }
  })();
  let atLlm = 0;
  let peakAtLlm = 0;
  const started = performance.now();
  try {
    const outcomes = await Promise.allSettled(
      Array.from({ length: streams }, async (_, index) => {
        let first = false;
        try {
          const turn = await timedStream(
            `${api.base}/chat/stream`,
            chatBody(`open-${index}`, index),
            API_TOKEN,
            {
              signal: abort.signal,
              onFirst: () => {
                first = true;
                peakAtLlm = Math.max(peakAtLlm, (atLlm += 1));
              },
            },
          );
          if (!turn.text.includes('event: done')) {
            const error = /event: error\ndata: (.*)/.exec(turn.text)?.[1];
            throw new Error(
              error
                ? `error event ${JSON.parse(error).code}`
                : `no done: …${turn.text.slice(-160)}`,
            );
          }
        } finally {
          if (first) atLlm -= 1;
        }
      }),
    );
    const servedMs = performance.now() - started;
    const served = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
    probing = false;
    await probe;
    const scraped = await scrapeMetrics(api);
    const lagP99 = scraped.get('nodejs_eventloop_lag_p99_seconds');
    const lagMax = scraped.get('nodejs_eventloop_lag_max_seconds');
    const failures = {};
    for (const outcome of outcomes)
      if (outcome.status === 'rejected') {
        const reason = String(outcome.reason?.cause ?? outcome.reason).slice(0, 200);
        failures[reason] = (failures[reason] ?? 0) + 1;
      }
    ctx.row('streams served', `${served}/${streams}`, '', ['all', streams], served === streams);
    ctx.row('time until all ended', ms(servedMs / 1000), 's');
    ctx.row('peak streams at the LLM at once', peakAtLlm, '');
    ctx.row('API RSS peak', Math.round(rss.stop()), 'MiB', ['<=', 1024]);
    if (lagP99 !== undefined) ctx.row('event-loop delay p99', ms(lagP99 * 1000), 'ms');
    if (lagMax !== undefined) ctx.row('event-loop delay max', ms(lagMax * 1000), 'ms');
    ctx.row('GET /health during, p99', ms(percentile(health, 99)), 'ms');
    ctx.detail({
      tokens_per_stream: tokens,
      token_interval_ms: 1000,
      deadline_s: deadlineMs / 1000,
      failures,
    });
  } finally {
    clearTimeout(timer);
    probing = false;
    rss.stop();
    await stub.configure({ token_latency_ms: 0, reply_tokens: null });
  }
}

/** 5. A stored change to its event at an operator's SSE feed, same and second instance. */
export async function events(ctx) {
  const { api } = ctx;
  const samples = ctx.count(200, 20);
  const second = await startApi(ctx.apiEnv);
  try {
    const sameFeed = await subscribeEvents(api);
    const otherFeed = await subscribeEvents(second);
    await sleep(300);
    const same = [];
    const other = [];
    for (let index = 0; index < samples; index += 1) {
      const userId = `events-${index}`;
      const arrivals = [sameFeed.arrival(userId), otherFeed.arrival(userId)];
      await call(api.base, 'PUT', `/admin/state/${userId}?mode=learning`, { headers: api.admin });
      const stored = performance.now();
      const [onSame, onOther] = await within(
        Promise.all(arrivals),
        10000,
        `no event for ${userId} within 10 s`,
      );
      same.push(Math.max(0, onSame - stored));
      other.push(Math.max(0, onOther - stored));
    }
    sameFeed.close();
    otherFeed.close();
    ctx.row('samples', samples, '');
    ctx.row('same instance p50', ms(percentile(same, 50)), 'ms');
    ctx.row('same instance p99', ms(percentile(same, 99)), 'ms', ['<=', 50]);
    ctx.row('second instance p50', ms(percentile(other, 50)), 'ms');
    ctx.row('second instance p99', ms(percentile(other, 99)), 'ms', ['<=', 100]);
    ctx.detail({ measured: 'from the response of PUT /admin/state (stored) to the event' });
  } finally {
    await second.stop();
  }
}

/**
 * 6. Scale: turns of a user with 1,000,000 messages against one with 10 (interleaved, so
 * drift hits both), then the dashboard overview over 10,000,000 llm_requests, all rows made
 * with generate_series. Run last: it leaves the database big.
 */
export async function scale(ctx) {
  const { api } = ctx;
  const messages = ctx.count(1_000_000, 50_000);
  const requests = ctx.count(10_000_000, 500_000);
  const turns = ctx.count(400, 30);
  const heavy = 'scale-heavy';
  const light = 'scale-light';
  const seedStarted = performance.now();
  await withClient(ctx.databaseUrl, async (client) => {
    for (const [user, count] of [
      [heavy, messages],
      [light, 10],
    ]) {
      await client.query(
        `INSERT INTO conversation_history (user_id, role, source, content, created_at)
         SELECT $1, CASE WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END,
                CASE WHEN i % 2 = 0 THEN 'user' ELSE 'llm' END,
                'old message ' || i, now() - ($2 - i) * interval '1 second'
           FROM generate_series(1, $2) AS i`,
        [user, count],
      );
      await client.query(
        `INSERT INTO user_state (user_id, first_seen, last_activity, message_count)
         VALUES ($1, now() - $2 * interval '1 second', now(), $2)`,
        [user, count],
      );
    }
    await client.query('ANALYZE conversation_history');
    await client.query('ANALYZE user_state');
  });
  const historySeedS = (performance.now() - seedStarted) / 1000;
  for (let index = 0; index < 10; index += 1) {
    await timedPost(`${api.base}/chat`, chatBody(heavy, index));
    await timedPost(`${api.base}/chat`, chatBody(light, index));
  }
  const heavyMs = [];
  const lightMs = [];
  for (let index = 0; index < turns; index += 1) {
    heavyMs.push(await timedPost(`${api.base}/chat`, chatBody(heavy, index)));
    lightMs.push(await timedPost(`${api.base}/chat`, chatBody(light, index)));
  }
  const ratio = percentile(heavyMs, 50) / percentile(lightMs, 50);
  ctx.row(`turn p50, user with ${messages} messages`, ms(percentile(heavyMs, 50)), 'ms');
  ctx.row('turn p50, user with 10 messages', ms(percentile(lightMs, 50)), 'ms');
  ctx.row('turn p50 ratio (big / small history)', ms(ratio), '', ['<=', 1.2]);

  // One INSERT per core at once: a single INSERT … SELECT runs on one core only.
  const statsStarted = performance.now();
  const chunks = Math.max(1, os.availableParallelism());
  const size = Math.ceil(requests / chunks);
  await Promise.all(
    Array.from({ length: chunks }, (_, chunk) =>
      withClient(ctx.databaseUrl, (client) =>
        client.query(
          `INSERT INTO llm_requests
             (user_id, template_name, template_version, model, api, stream, prompt_tokens,
              completion_tokens, latency_ms, status, error_code, created_at)
           SELECT 'stats-user-' || (i % 10000), 'persona-' || (i % 7), 1, 'default', 'openai',
                  i % 3 = 0, 200 + i % 300, 20 + i % 80, 50 + (i::bigint * 7919) % 2000,
                  CASE WHEN i % 50 = 0 THEN 'error' WHEN i % 97 = 0 THEN 'blocked' ELSE 'ok' END,
                  CASE WHEN i % 50 = 0 THEN 'llm_unavailable' END,
                  now() - (i::float8 / $3) * interval '30 days'
             FROM generate_series($1::int, $2::int) AS i`,
          [chunk * size + 1, Math.min(requests, (chunk + 1) * size), requests],
        ),
      ),
    ),
  );
  // Vacuumed as a live table would be: otherwise autovacuum starts on the fresh 10M rows in
  // the middle of the measurement, and index-only scans find no visibility map.
  await withClient(ctx.databaseUrl, (client) => client.query('VACUUM (ANALYZE) llm_requests'));
  const statsSeedS = (performance.now() - statsStarted) / 1000;
  const aggregateStarted = performance.now();
  await call(api.base, 'POST', '/admin/stats/aggregate', {
    headers: api.admin,
    body: { from: new Date(Date.now() - 30 * 86400000).toISOString() },
  });
  const aggregateS = (performance.now() - aggregateStarted) / 1000;
  const overview = [];
  for (let index = 0; index < 3; index += 1)
    await call(api.base, 'GET', '/admin/stats/overview', { headers: api.admin });
  for (let index = 0; index < ctx.count(20, 5); index += 1) {
    const started = performance.now();
    await call(api.base, 'GET', '/admin/stats/overview', { headers: api.admin });
    overview.push(performance.now() - started);
  }
  ctx.row(`overview p50 at ${requests} llm_requests`, ms(percentile(overview, 50)), 'ms', [
    '<=',
    100,
  ]);
  ctx.detail({
    history_seed_s: ms(historySeedS),
    llm_requests_seed_s: ms(statsSeedS),
    aggregate_backfill_s: ms(aggregateS),
    overview_max_ms: ms(Math.max(...overview)),
  });
}

/**
 * 7. The embedded database (no DATABASE_URL, a temp DATA_DIR) at 8 then 64 users; SIGTERM in
 * the middle of the 64-user load, the time to exit, then every answered turn must be stored.
 */
export async function embedded(ctx) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'promptdev-bench-'));
  try {
    const api = await startApi({
      ...ctx.apiEnv,
      DATABASE_URL: undefined,
      DATA_DIR: dataDir,
    });
    const rss = watchRss(api.pid);
    let stopped;
    try {
      await seed(api, users('emb8-', 8), ctx.count(100, 20));
      const eight = await load({
        url: api.base,
        path: '/chat',
        connections: 8,
        durationS: ctx.seconds(20),
        body: (user, index) => chatBody(`emb8-${user}`, index),
      }).result;
      ctx.row('8 users: turns/s', Math.round(eight.perSecond), '/s');
      ctx.row('8 users: p99', ms(percentile(eight.latencies, 99)), 'ms');
      ctx.row('8 users: errors', eight.failed + eight.errors, '', ['<=', 0]);

      const loadS = ctx.seconds(20);
      const loadStarted = performance.now();
      const run = load({
        url: api.base,
        path: '/chat',
        connections: 64,
        durationS: loadS + 120,
        body: (user, index) => chatBody(`emb64-${user}`, index),
      });
      await sleep(loadS * 1000);
      // Clients keep sending for a second after SIGTERM, then stop (autocannon would
      // otherwise reconnect in a tight loop and steal the CPU the stopping API needs).
      const stopping = api.stop({ killAfterMs: 60000 });
      await Promise.race([stopping, sleep(1000)]);
      run.stop();
      const loadEndedS = (performance.now() - loadStarted) / 1000;
      stopped = await stopping;
      const sixtyFour = await run.result;
      ctx.row('64 users: turns/s', Math.round(sixtyFour.ok / loadEndedS), '/s');
      ctx.row('64 users: p99', ms(percentile(sixtyFour.latencies, 99)), 'ms');
      ctx.row('API RSS peak', Math.round(rss.stop()), 'MiB');
      ctx.row(
        'stop time after SIGTERM under load',
        ms(stopped.ms / 1000),
        's',
        ['<=', 5],
        !stopped.killed && stopped.ms <= 5000,
      );
      const db = new PGlite(path.join(dataDir, 'pg'));
      const { rows } = await db.query(
        `SELECT count(*)::int AS answers FROM conversation_history
          WHERE user_id LIKE 'emb64-%' AND role = 'assistant'`,
      );
      await db.close();
      const lost = Math.max(0, sixtyFour.ok - rows[0].answers);
      ctx.row('answered turns not stored', lost, '', ['<=', 0]);
      ctx.detail({
        answered_64: sixtyFour.ok,
        stored_replies_64: rows[0].answers,
        exit: stopped,
      });
    } finally {
      rss.stop();
      if (!stopped) await api.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
