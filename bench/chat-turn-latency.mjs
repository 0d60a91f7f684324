// Measures what one chat turn adds on top of the LLM: sequential POST /chat against the built
// API with the stub LLM at zero latency, compared with calling the stub directly.
//   npm run build && node bench/chat-turn-latency.mjs [--turns 1000] [--database-url postgres://…]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { percentile, root, round, startApi } from './lib.mjs';

const { values } = parseArgs({
  options: { turns: { type: 'string', default: '1000' }, 'database-url': { type: 'string' } },
});
const turns = Number(values.turns);
const stubModule = await import(path.join(root, 'dist/api/libs/llm-stub/src/index.js'));
// A CommonJS build: its exports arrive as the default export.
const { startStubServer } = stubModule.default ?? stubModule;

const summary = (samples) => ({
  p50: percentile(samples, 50),
  p95: percentile(samples, 95),
  p99: percentile(samples, 99),
});

async function post(url, body, headers = {}) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - started;
}

const stub = await startStubServer({ host: '127.0.0.1', port: 0 });
const dataDir = mkdtempSync(path.join(tmpdir(), 'promptdev-bench-'));
let api;
try {
  api = await startApi({
    LLM_BASE_URL: stub.url,
    DATA_DIR: dataDir,
    DATABASE_URL: values['database-url'] ?? '',
  });
  const { base } = api;
  const name = `bench-${Date.now()}`;
  await post(
    `${base}/admin/templates`,
    {
      name,
      created_by: 'bench',
      content: 'You are Luna, a warm companion talking to {{ user_id }}.\n{{ user_context }}',
    },
    api.admin,
  );
  const chat = (index) => ({
    user_id: `bench-user-${index % 10}`,
    message: `message number ${index}`,
    template_name: name,
  });
  // Naming a template is an operator's (or an API key's) right: end users get override_not_allowed.
  for (let index = 0; index < 50; index += 1) await post(`${base}/chat`, chat(index), api.admin);

  const chatSamples = [];
  for (let index = 0; index < turns; index += 1)
    chatSamples.push(await post(`${base}/chat`, chat(index), api.admin));
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
  await api?.stop();
  await stub.close();
  rmSync(dataDir, { recursive: true, force: true });
}
