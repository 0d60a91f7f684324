// Measures the delay from a change being stored to its live event reaching an SSE subscriber,
// on the same API instance and on a second instance sharing the PostgreSQL database.
//   npm run build && node bench/event-delay.mjs --database-url postgres://… [--samples 200]
import { parseArgs } from 'node:util';
import { percentile, round, startApi, subscribeEvents } from './lib.mjs';

const { values } = parseArgs({
  options: { samples: { type: 'string', default: '200' }, 'database-url': { type: 'string' } },
});
if (!values['database-url'])
  throw new Error('--database-url is required: two instances need a shared PostgreSQL');
const samples = Number(values.samples);

const summary = (samplesMs) => ({
  p50: round(percentile(samplesMs, 50)),
  p95: round(percentile(samplesMs, 95)),
});

const apiEnv = { DATABASE_URL: values['database-url'], LLM_BASE_URL: 'http://127.0.0.1:9' };
const first = await startApi(apiEnv);
const second = await startApi(apiEnv).catch(async (error) => {
  await first.stop();
  throw error;
});
try {
  const sameFeed = await subscribeEvents(first);
  const otherFeed = await subscribeEvents(second);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const same = [];
  const other = [];
  for (let index = 0; index < samples; index += 1) {
    const userId = `event-bench-${Date.now()}-${index}`;
    const arrivals = [sameFeed.arrival(userId), otherFeed.arrival(userId)];
    const response = await fetch(`${first.base}/admin/state/${userId}?mode=learning`, {
      method: 'PUT',
      headers: first.admin,
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
        same_instance_ms: summary(same),
        other_instance_ms: summary(other),
        note: 'from the HTTP response of the change (stored) to the event reaching the subscriber',
      },
      null,
      2,
    ),
  );
  sameFeed.close();
  otherFeed.close();
} finally {
  await Promise.all([first.stop(), second.stop()]);
}
