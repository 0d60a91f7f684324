// Concurrent load with autocannon: `connections` keep-alive connections, each one user, sending
// POST requests for `durationS` seconds (or until `stop()`), every latency kept (ms, fractional).
import autocannon from 'autocannon';

/**
 * Runs the load and resolves with the counts and latencies. `body(user, index)` builds each
 * request body for the connection's user; `started(instance)` is called once it runs.
 */
export function load({ url, path, connections, durationS, body, headers = {}, overallRate }) {
  let nextUser = 0;
  let index = 0;
  const latencies = [];
  const statuses = {};
  let instance;
  const done = new Promise((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections,
        duration: durationS,
        overallRate,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json', ...headers },
            setupRequest: (request, context) => {
              context.user ??= nextUser++;
              return { ...request, body: JSON.stringify(body(context.user, index++)) };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  const result = done.then((summary) => {
    const ok = latencies.length;
    const failed = Object.entries(statuses)
      .filter(([status]) => Number(status) >= 300)
      .reduce((sum, [, count]) => sum + count, 0);
    return {
      ok,
      failed,
      errors: summary.errors,
      statuses,
      seconds: summary.duration,
      perSecond: ok / summary.duration,
      latencies,
    };
  });
  return { result, stop: () => instance.stop() };
}
