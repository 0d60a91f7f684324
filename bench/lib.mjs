// What the benchmarks share: the built API (npm run build) on a free port, and the statistics.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');

export const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/**
 * Starts the built API on a free port, with `env` on top of this process's environment, and
 * resolves with its base URL once /health answers. `stop()` ends it and waits until it exited.
 */
export async function startApi(env) {
  const port = await freePort();
  // Rate limits off: a benchmark is one client sending far more than any real one would.
  const unlimited = {
    RATE_LIMIT_PER_IP: '0',
    RATE_LIMIT_CHAT_PER_IP: '0',
    RATE_LIMIT_CHAT_PER_USER: '0',
  };
  const child = spawn(process.execPath, [path.join(root, 'dist/api/apps/api/src/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...unlimited,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const api = {
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    const deadline = Date.now() + 30000;
    while (
      !(await fetch(`${api.base}/health`)
        .then((r) => r.ok)
        .catch(() => false))
    ) {
      if (Date.now() > deadline) throw new Error('the API did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await api.stop();
    throw error;
  }
  return api;
}

/** The p-th percentile (0 to 100) of the samples: the sample at that rank, rounded down. */
export function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round = (value) => Math.round(value * 100) / 100;
