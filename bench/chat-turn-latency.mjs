// Measures what one chat turn adds on top of the LLM: sequential POST /chat against the built
// API with the stub LLM at zero latency, compared with calling the stub directly.
//   npm run build && node bench/chat-turn-latency.mjs [--turns 1000] [--database-url postgres://…]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { turns: { type: 'string', default: '1000' }, 'database-url': { type: 'string' } },
});
const turns = Number(values.turns);
const root = path.resolve(import.meta.dirname, '..');
const stubModule = await import(path.join(root, 'dist/api/libs/llm-stub/src/index.js'));
// A CommonJS build: its exports arrive as the default export.
const { startStubServer } = stubModule.default ?? stubModule;

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
};
const round = (value) => Math.round(value * 100) / 100;

async function post(url, body) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - started;
}

const stub = await startStubServer({ host: '127.0.0.1', port: 0 });
const port = await freePort();
const dataDir = mkdtempSync(path.join(tmpdir(), 'promptdev-bench-'));
const api = spawn(process.execPath, [path.join(root, 'dist/api/apps/api/src/main.js')], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LLM_BASE_URL: stub.url,
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    ...(values['database-url'] ? { DATABASE_URL: values['database-url'] } : { DATABASE_URL: '' }),
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
try {
  const deadline = Date.now() + 30000;
  while (
    !(await fetch(`${base}/health`)
      .then((r) => r.ok)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error('the API did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const name = `bench-${Date.now()}`;
  await post(`${base}/admin/templates`, {
    name,
    created_by: 'bench',
    content: 'You are Luna, a warm companion talking to {{ user_id }}.\n{{ user_context }}',
  });
  const chat = (index) => ({
    user_id: `bench-user-${index % 10}`,
    message: `message number ${index}`,
    template_name: name,
  });
  for (let index = 0; index < 50; index += 1) await post(`${base}/chat`, chat(index));

  const chatSamples = [];
  for (let index = 0; index < turns; index += 1)
    chatSamples.push(await post(`${base}/chat`, chat(index)));
  const llmBody = {
    model: 'default',
    messages: [
      { role: 'system', content: 'You are Luna.' },
      { role: 'user', content: 'message number 1' },
    ],
  };
  const stubSamples = [];
  for (let index = 0; index < turns; index += 1)
    stubSamples.push(await post(`${stub.url}/v1/chat/completions`, llmBody));

  const turn = summary(chatSamples);
  const llm = summary(stubSamples);
  const result = {
    database: values['database-url'] ? 'postgres' : 'embedded',
    turns,
    chat_turn_ms: { p50: round(turn.p50), p95: round(turn.p95), p99: round(turn.p99) },
    stub_call_ms: { p50: round(llm.p50), p95: round(llm.p95), p99: round(llm.p99) },
    added_median_ms: round(turn.p50 - llm.p50),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  api.kill('SIGTERM');
  await new Promise((resolve) => api.once('exit', resolve));
  await stub.close();
  rmSync(dataDir, { recursive: true, force: true });
}
