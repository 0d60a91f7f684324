// Measures the delay from a change being stored to its live event reaching an SSE subscriber,
// on the same API instance and on a second instance sharing the PostgreSQL database.
//   npm run build && node bench/event-delay.mjs --database-url postgres://… [--samples 200]
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { samples: { type: 'string', default: '200' }, 'database-url': { type: 'string' } },
});
if (!values['database-url'])
  throw new Error('--database-url is required: two instances need a shared PostgreSQL');
const samples = Number(values.samples);
const root = path.resolve(import.meta.dirname, '..');

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function startApi() {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'dist/api/apps/api/src/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: values['database-url'],
      LLM_BASE_URL: 'http://127.0.0.1:9',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30000;
  while (
    !(await fetch(`${base}/health`)
      .then((r) => r.ok)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error('the API did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { base, child };
}

/** Resolves each awaited user id when its user.state_changed event arrives. */
async function subscribe(base) {
  const waiting = new Map();
  const response = await fetch(`${base}/admin/events?types=user.state_changed`);
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

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p95 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)];
const round = (value) => Math.round(value * 100) / 100;

const first = await startApi();
const second = await startApi();
try {
  const sameFeed = await subscribe(first.base);
  const otherFeed = await subscribe(second.base);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const same = [];
  const other = [];
  for (let index = 0; index < samples; index += 1) {
    const userId = `event-bench-${Date.now()}-${index}`;
    const arrivals = [sameFeed.arrival(userId), otherFeed.arrival(userId)];
    const response = await fetch(`${first.base}/admin/state/${userId}?mode=learning`, {
      method: 'PUT',
    });
    const stored = performance.now();
    if (!response.ok) throw new Error(`PUT answered ${response.status}`);
    const [onSame, onOther] = await Promise.all(arrivals);
    same.push(Math.max(0, onSame - stored));
    other.push(Math.max(0, onOther - stored));
  }
  console.log(
    JSON.stringify(
      {
        samples,
        same_instance_ms: { p50: round(median(same)), p95: round(p95(same)) },
        other_instance_ms: { p50: round(median(other)), p95: round(p95(other)) },
        note: 'from the HTTP response of the change (stored) to the event reaching the subscriber',
      },
      null,
      2,
    ),
  );
  sameFeed.close();
  otherFeed.close();
} finally {
  for (const { child } of [first, second]) child.kill('SIGTERM');
}
