import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';

// No Docker engine runs in CI or development here: these checks are what can be verified
// without one (see README, Deployment).
const root = path.join(__dirname, '../../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: Array<{ path: string; required: boolean }>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[]; interval: string; retries: number };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** The instructions of a Dockerfile, continuation lines joined, comments dropped. */
function instructions(file: string): Array<{ op: string; args: string }> {
  return read(file)
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('docker-compose.yml', () => {
  const compose = load(read('docker-compose.yml')) as ComposeFile;
  const service = (name: string): ComposeService => {
    const found = compose.services[name];
    if (!found) throw new Error(`no service ${name}`);
    return found;
  };

  it('has postgres, redis, api, llm and the stub (under the stub profile only)', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'llm',
      'llm-stub',
      'postgres',
      'redis',
    ]);
    expect(service('llm-stub').profiles).toEqual(['stub']);
    for (const name of ['api', 'llm', 'postgres', 'redis']) {
      expect(service(name).profiles).toBeUndefined();
    }
  });

  it('keeps PostgreSQL data in a named volume and checks both stores are healthy', () => {
    expect(service('postgres').volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(compose.volumes).toHaveProperty('pgdata');
    expect(service('postgres').healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(service('redis').healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('starts the API once the database and Redis are healthy, wired to them and to the LLM', () => {
    const api = service('api');
    expect(api.build).toEqual({ context: '.', dockerfile: 'docker/api.Dockerfile' });
    expect(api.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
    expect(api.depends_on?.redis).toEqual({ condition: 'service_healthy' });
    expect(api.env_file).toEqual([{ path: '.env', required: false }]);
    expect(api.environment?.DATABASE_URL).toMatch(/^postgres:\/\/promptdev:.*@postgres:5432\//);
    expect(api.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(api.environment?.LLM_BASE_URL).toBe('${LLM_BASE_URL:-http://llm:8080}');
  });

  it('serves the GGUF model named by LLM_MODEL_FILE from ./models with llama.cpp', () => {
    const llm = service('llm');
    expect(llm.image).toBe('ghcr.io/ggml-org/llama.cpp:server');
    expect(llm.volumes).toEqual(['./models:/models:ro']);
    const command = llm.command ?? [];
    expect(command[command.indexOf('-m') + 1]).toBe('/models/${LLM_MODEL_FILE:-model.gguf}');
    expect(command[command.indexOf('--host') + 1]).toBe('0.0.0.0');
    expect(llm.healthcheck?.test.join(' ')).toContain('/health');
    expect(service('llm-stub').build?.dockerfile).toBe('docker/llm-stub.Dockerfile');
  });
});

describe.each([
  ['docker/api.Dockerfile', '/health', 'dist/api/apps/api/src/main.js'],
  ['docker/llm-stub.Dockerfile', '/health', 'dist/llm-stub/apps/llm-stub/src/main.js'],
])('%s', (file, healthPath, entry) => {
  const steps = instructions(file);
  const of = (op: string) => steps.filter((step) => step.op === op);
  const stages = of('FROM');
  const runtimeIndex = steps.findIndex((step) => step === stages.at(-1));
  const runtime = steps.slice(runtimeIndex);

  it('builds in one stage and runs from a later one that copies only build output', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]?.args).toMatch(/ AS build$/);
    expect(of('RUN').some((step) => step.args.startsWith('npm ci'))).toBe(true);
    expect(of('RUN').some((step) => /nx run(-many)? /.test(step.args))).toBe(true);
    const copies = runtime.filter((step) => step.op === 'COPY').map((step) => step.args);
    expect(copies.some((args) => args.startsWith('--from=build /app/dist/'))).toBe(true);
    // Never the whole build context, with its dev dependencies and sources.
    expect(copies).not.toContainEqual(expect.stringMatching(/^\. /));
    expect(copies).not.toContainEqual(expect.stringMatching(/--from=build \/app\/node_modules/));
  });

  it('runs as a non-root user, with a healthcheck and the built entry point', () => {
    const users = runtime.filter((step) => step.op === 'USER');
    expect(users.map((step) => step.args)).toEqual(['node']);
    const healthcheck = runtime.find((step) => step.op === 'HEALTHCHECK');
    expect(healthcheck?.args).toContain(healthPath);
    expect(runtime.find((step) => step.op === 'CMD')?.args).toContain(entry);
  });
});

describe('docker/api.Dockerfile', () => {
  const text = read('docker/api.Dockerfile');

  it('installs only production dependencies for the runtime stage', () => {
    expect(text).toMatch(/FROM \S+ AS deps\nWORKDIR \/app\n.*\nRUN npm ci --omit=dev/);
    expect(text).toContain('COPY --from=deps /app/node_modules ./node_modules');
  });

  it('ships the built SPA next to the API', () => {
    expect(text).toMatch(/^COPY --from=build \/app\/dist\/web \.\/dist\/web$/m);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, builds, local data, models and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.env', '.git', 'models', '*.gguf']) {
      expect(ignored).toContain(entry);
    }
  });
});
