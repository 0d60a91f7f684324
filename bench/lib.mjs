// What the benchmarks share: the built API (npm run build) and llm-stub on free ports, operator
// login when the API has it, process readings from /proc, scratch databases and the statistics.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';

export const root = path.resolve(import.meta.dirname, '..');

/**
 * The environment every benchmarked API gets, in one place. When rate limits land
 * (RATE_LIMIT_* or similar), switch them off here: the load generator is one IP and a few users.
 */
export const BENCH_API_ENV = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  // No background rollups in the middle of a measurement.
  STATS_AGGREGATION_INTERVAL_MS: '0',
  // Shared by every instance of a run, so a token from one instance is valid on another.
  JWT_SECRET: randomBytes(32).toString('hex'),
  // Used by POST /auth/login when the API has operator login (ignored otherwise).
  ADMIN_PASSWORD: `bench-${randomBytes(12).toString('hex')}`,
  // Rate limits off: a benchmark is one client sending far more than any real one would.
  RATE_LIMIT_PER_IP: '0',
  RATE_LIMIT_CHAT_PER_IP: '0',
  RATE_LIMIT_CHAT_PER_USER: '0',
};

export const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection with `message` when it takes longer than `ms`. */
export async function within(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The environment for a child: `env` on top of this process's, an undefined value unsets. */
function childEnv(...layers) {
  const env = { ...process.env };
  for (const layer of layers)
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) delete env[key];
      else env[key] = String(value);
    }
  return env;
}

async function waitUntil(check, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Spawns a built Node program; `stop(signal)` ends it and resolves with how long exiting took. */
function spawnProgram(script, env, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, script)], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exitedAt;
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exitedAt = performance.now();
      resolve({ code, signal });
    }),
  );
  return {
    pid: child.pid,
    exited,
    /** Sends `signal`; after `killAfterMs` without an exit, SIGKILL. Resolves with the exit. */
    stop: async ({ signal = 'SIGTERM', killAfterMs = 30000 } = {}) => {
      if (exitedAt !== undefined) return { ms: 0, ...(await exited), killed: false };
      const sentAt = performance.now();
      child.kill(signal);
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, killAfterMs);
      const outcome = await exited;
      clearTimeout(timer);
      return { ms: exitedAt - sentAt, ...outcome, killed };
    },
  };
}

/**
 * Logs in as the first admin when the API has operator login (POST /auth/login answers
 * anything but 404) and resolves with the headers for admin calls: `Authorization: Bearer …`,
 * or none on an API without login.
 */
export async function adminHeaders(base, password = BENCH_API_ENV.ADMIN_PASSWORD) {
  const response = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const text = await response.text();
  if (response.status === 404) return {};
  if (!response.ok) throw new Error(`POST /auth/login answered ${response.status}: ${text}`);
  return { authorization: `Bearer ${JSON.parse(text).access_token}` };
}

/**
 * Starts the built API on a free port with BENCH_API_ENV and `env` on top of this process's
 * environment (a value of undefined unsets a variable, e.g. DATABASE_URL for the embedded
 * database) and resolves once /health answers, logged in: `admin` holds the headers for admin
 * routes and /metrics. `stop()` sends SIGTERM and resolves with the exit and how long it took.
 */
export async function startApi(env = {}) {
  const port = await freePort();
  // e.g. BENCH_API_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles every API started.
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const program = spawnProgram(
    'dist/api/apps/api/src/main.js',
    childEnv(BENCH_API_ENV, env, { PORT: port }),
    nodeArgs,
  );
  const api = { base: `http://127.0.0.1:${port}`, pid: program.pid, stop: program.stop, admin: {} };
  try {
    await waitUntil(async () => {
      if ((await Promise.race([program.exited, sleep(0)])) !== undefined)
        throw new Error('the API exited while starting');
      return (await fetch(`${api.base}/health`)).ok;
    }, 'the API');
    api.admin = await adminHeaders(api.base);
  } catch (error) {
    await program.stop();
    throw error;
  }
  return api;
}

/**
 * Starts the built llm-stub in its own process (so its work never shares an event loop with
 * the load generator), at zero latency unless `settings` say otherwise. `configure(settings)`
 * changes its behaviour at run time (POST /_stub/control).
 */
export async function startStub(settings = {}) {
  const port = await freePort();
  const program = spawnProgram(
    'dist/llm-stub/apps/llm-stub/src/main.js',
    childEnv({ STUB_HOST: '127.0.0.1', STUB_PORT: port, STUB_LOG: '0' }),
  );
  const url = `http://127.0.0.1:${port}`;
  const configure = async (values) => {
    const response = await fetch(`${url}/_stub/control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(values),
    });
    if (!response.ok) throw new Error(`the stub refused ${JSON.stringify(values)}`);
  };
  try {
    await waitUntil(async () => (await fetch(`${url}/health`)).ok, 'the llm-stub');
    await configure({ latency_ms: 0, token_latency_ms: 0, ...settings });
  } catch (error) {
    await program.stop();
    throw error;
  }
  return { url, pid: program.pid, configure, stop: program.stop };
}

/** Calls a JSON route and resolves with the parsed body; any status but 2xx throws. */
export async function call(base, method, route, { body, headers = {} } = {}) {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Milliseconds one POST with a JSON body takes, the response read to its end. */
export async function timedPost(url, body, headers = {}) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return ms;
}

/**
 * Milliseconds from sending a streaming POST to the first chunk matching `marker` (a RegExp),
 * and to the end of the stream; `text` is the whole stream.
 */
export async function timedStream(url, body, marker, { signal, onFirst } = {}) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const decoder = new TextDecoder();
  let text = '';
  let firstMs;
  for await (const chunk of response.body) {
    text += decoder.decode(chunk, { stream: true });
    if (firstMs === undefined && marker.test(text)) {
      firstMs = performance.now() - started;
      onFirst?.();
    }
  }
  return { firstMs, totalMs: performance.now() - started, text };
}

/** The body of a direct call to the stub, like the one the API sends for a short turn. */
export const llmBody = (stream = false) => ({
  model: 'default',
  stream,
  messages: [
    { role: 'system', content: 'You are Luna, a warm companion.' },
    { role: 'user', content: 'message number 1' },
  ],
});

/** CPU time (user + system) the process has used so far, in ms. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}
/** CPU milliseconds of every process named `comm` (e.g. postgres: all its backends). */
export function cpuMsOfProcesses(comm) {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name !== comm) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** Busy CPU milliseconds of the whole machine, all cores (/proc/stat, idle and iowait left out). */
export function machineBusyMs() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS;
}

// USER_HZ; 100 on every Linux this runs on (getconf CLK_TCK).
const CLOCK_TICKS = 100;

/** Resident memory of the process, in MiB. */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/** Samples the peak RSS of `pid` every 200 ms until `stop()`, which resolves with it (MiB). */
export function watchRss(pid) {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // The process exited.
    }
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

/**
 * The API's Prometheus exposition (GET /metrics) as name → value, unlabelled series only.
 * Scraping resets prom-client's event-loop lag histogram, so read every figure of one moment
 * from one scrape.
 */
export async function scrapeMetrics(api) {
  const response = await fetch(`${api.base}/metrics`, { headers: api.admin });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const values = new Map();
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line);
    if (match) values.set(match[1], Number(match[2]));
  }
  return values;
}

/** A scratch PostgreSQL database on the server at `serverUrl`: its URL and `drop()`. */
export async function scratchDatabase(serverUrl, name) {
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ),
  };
}

export async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Subscribes to GET /admin/events on `api`; `arrival(userId)` resolves with the time
 * (performance.now()) the next event of `types` for that user arrives.
 */
export async function subscribeEvents(api, types = 'user.state_changed') {
  const waiting = new Map();
  const response = await fetch(`${api.base}/admin/events?types=${types}`, { headers: api.admin });
  if (!response.ok) throw new Error(`GET /admin/events answered ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let boundary;
      while ((boundary = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (!data) continue;
        const event = JSON.parse(data.slice(6));
        waiting.get(event.user_id)?.(performance.now());
      }
    }
  })();
  return {
    arrival: (userId) => new Promise((resolve) => waiting.set(userId, resolve)),
    close: () => reader.cancel(),
  };
}

/** The p-th percentile (0 to 100) of the samples: the sample at that rank, rounded down. */
export function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round = (value) => Math.round(value * 100) / 100;
