// Where one chat turn's time goes, one request at a time (p50 of 500 each, second of two
// rounds): the API's HTTP floor (/health), the stub alone, a refused body (validation only),
// a halted user's turn (validation and one statement), a full turn, and a bare database round
// trip. Against the built API on a scratch database; prints JSON.
//   npm run build && node bench/turn-breakdown.mjs
import * as lib from './lib.mjs';
import * as scenarios from './scenarios.mjs';

const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const stub = await lib.startStub();
const database = await lib.scratchDatabase(serverUrl, `promptdev_breakdown_${process.pid}`);
const api = await lib.startApi({ LLM_BASE_URL: stub.url, DATABASE_URL: database.url });

async function p50(count, run) {
  const samples = [];
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    await run(index);
    samples.push(performance.now() - started);
  }
  return Math.round(lib.percentile(samples, 50) * 100) / 100;
}
const get = (url) => fetch(url).then((response) => response.arrayBuffer());
const post = async (url, body) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
};
const expectStatus = (want) => (status) => {
  if (!want(status)) throw new Error(`unexpected status ${status}`);
};

try {
  await scenarios.seed(api, scenarios.users('seq-', 10), 100);
  await lib.call(api.base, 'POST', '/admin/interventions/halted-1/halt', {
    headers: api.admin,
    body: { reason: 'bench', operator: 'bench' },
  });
  let result;
  for (let round = 0; round < 2; round += 1) {
    result = {
      health_ms: await p50(500, () => get(`${api.base}/health`)),
      stub_call_ms: await p50(500, () => post(`${stub.url}/v1/chat/completions`, lib.llmBody())),
      refused_body_ms: await p50(500, () =>
        post(`${api.base}/chat`, { user_id: 'seq-1' }).then(expectStatus((s) => s === 422)),
      ),
      halted_turn_ms: await p50(500, (index) =>
        post(`${api.base}/chat`, { user_id: 'halted-1', message: `m ${index}` }).then(
          expectStatus((s) => s >= 400),
        ),
      ),
      full_turn_ms: await p50(500, (index) =>
        post(`${api.base}/chat`, { user_id: `seq-${index % 10}`, message: `m ${index}` }).then(
          expectStatus((s) => s === 200),
        ),
      ),
      database_round_trip_ms: await lib.withClient(database.url, (client) =>
        p50(500, () => client.query('SELECT 1')),
      ),
    };
  }
  console.log(JSON.stringify(result, null, 2));
} finally {
  await api.stop();
  await stub.stop();
  await database.drop();
}
