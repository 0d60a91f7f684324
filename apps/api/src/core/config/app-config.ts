import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DEFAULT_TEMPLATE_BUDGETS, TemplateBudgets } from '../../modules/context/template-values';

export type LlmApi = 'openai' | 'llamacpp';
export type ChatAuthMode = 'open' | 'token';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Requests allowed per window for each rule; 0 turns a rule off. */
export interface RateLimitConfig {
  windowMs: number;
  /** Every route except health checks, per client IP. */
  perIp: number;
  /** POST /chat and /chat/stream together. */
  chatPerIp: number;
  chatPerUser: number;
  loginWindowMs: number;
  loginPerIp: number;
  loginPerUsername: number;
  /** Keys in Redis start with it, so deployments (or test files) sharing one Redis stay apart. */
  redisPrefix: string;
}

/** Typed configuration, read from the environment once at boot (spec section 11). */
export class AppConfig {
  readonly nodeEnv!: string;
  readonly host!: string;
  readonly port!: number;
  /** Unset means the embedded PostgreSQL (PGlite) under `dataDir/pg`. */
  readonly databaseUrl!: string | undefined;
  readonly databasePoolSize!: number;
  readonly databaseConnectTimeoutMs!: number;
  readonly databasePoolWaitMs!: number;
  readonly dataDir!: string;
  readonly llmBaseUrl!: string;
  /** True when LLM_BASE_URL was not set: `npm start` then runs the bundled stub. */
  readonly llmBaseUrlIsDefault!: boolean;
  readonly llmApi!: LlmApi;
  readonly llmModel!: string;
  readonly llmTimeoutMs!: number;
  readonly llmMaxRetries!: number;
  /** Overall deadline of one LLM call, retries and backoff included. */
  readonly llmDeadlineMs!: number;
  /** A stream whose first token takes longer fails with llm_timeout (prompt processing). */
  readonly llmFirstTokenTimeoutMs!: number;
  /** A stream that sends nothing for this long between tokens fails with llm_timeout. */
  readonly llmStreamIdleTimeoutMs!: number;
  /** First retry delay; doubles each retry, with jitter, unless Retry-After says longer. */
  readonly llmRetryBaseMs!: number;
  /** Consecutive failed calls that open the circuit breaker. */
  readonly llmCircuitFailures!: number;
  /** How long the circuit stays open before one probe call is let through. */
  readonly llmCircuitResetMs!: number;
  readonly llmMaxSockets!: number;
  /** Fastify's trustProxy: whose X-Forwarded-For names the client (rate limits, logs). */
  readonly trustProxy!: boolean | string[];
  readonly redisUrl!: string | undefined;
  readonly rateLimit!: RateLimitConfig;
  readonly corsOrigins!: string[];
  /** Signs operator tokens; generated per start outside production when JWT_SECRET is unset. */
  readonly jwtSecret!: string;
  readonly jwtSecretGenerated!: boolean;
  readonly adminPassword!: string | undefined;
  readonly chatAuth!: ChatAuthMode;
  readonly chatTokenSecret!: string | undefined;
  readonly operatorTokenTtlSeconds!: number;
  readonly chatTokenTtlSeconds!: number;
  /** The session cookie's Secure flag: on in production (TLS at the proxy), else off. */
  readonly authCookieSecure!: boolean;
  /** Lets Prometheus scrape /metrics without credentials. */
  readonly metricsPublic!: boolean;
  readonly chatMaxChars!: number;
  /** Largest request body on most routes (template saves are the largest honest ones). */
  readonly bodyLimitBytes!: number;
  /** Largest request body on /chat routes. */
  readonly chatBodyLimitBytes!: number;
  /** How deep arrays and objects may nest in a JSON body; checked before parsing. */
  readonly bodyMaxDepth!: number;
  /** Unset: keep everything. */
  readonly retentionDays!: number | undefined;
  /** How often retention runs (daily; 0 under test, where tests run it on demand). */
  readonly retentionIntervalMs!: number;
  readonly logLevel!: LogLevel;
  /** Limits on the work of one template render (spec section 4, step 6). */
  readonly templateBudgets!: TemplateBudgets;
  /** SSE comment sent to idle event streams so proxies keep them open. */
  readonly eventsHeartbeatMs!: number;
  /** Safety net behind LISTEN/NOTIFY (and the only path on the embedded database). */
  readonly eventsPollMs!: number;
  /** How long events stay available for Last-Event-ID resume. */
  readonly eventsRetentionHours!: number;
  /** Bytes an event stream may hold for a client that reads slowly before ending it. */
  readonly eventsStreamMaxUnsentBytes!: number;
  /** How often this instance re-aggregates the recent stats rollups; 0 turns it off. */
  readonly statsAggregationIntervalMs!: number;

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** Parses and validates every variable; collects all problems so one start reports them all. */
export function loadConfig(env: Env, cwd = process.cwd()): AppConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number | undefined, min: number, max: number) => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name} must be a ${protocols.join(' or ')} URL (got "${redact(raw)}")`);
      return undefined;
    }
  };

  const nodeEnv = text('NODE_ENV') ?? 'development';
  const llmBaseUrl = url('LLM_BASE_URL', ['http:', 'https:']);
  const llmTimeoutMs = integer('LLM_TIMEOUT_MS', 120000, 100, 3600000)!;
  const corsOrigins = (text('CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(
        `CORS_ORIGINS entries must be origins like https://app.example.com (got "${origin}")`,
      );
    }
  }
  const jwtSecret = text('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters');
  }
  if (jwtSecret === undefined && nodeEnv === 'production') {
    problems.push('JWT_SECRET is required when NODE_ENV=production (32+ random characters)');
  }
  // Off under test, so rollups change only when a test asks.
  const statsAggregationIntervalMs = integer(
    'STATS_AGGREGATION_INTERVAL_MS',
    nodeEnv === 'test' ? 0 : 300000,
    0,
    86400000,
  )!;
  if (statsAggregationIntervalMs > 0 && statsAggregationIntervalMs < 1000) {
    problems.push(
      `STATS_AGGREGATION_INTERVAL_MS must be 0 (off) or at least 1000 (got "${statsAggregationIntervalMs}")`,
    );
  }
  const chatMaxChars = integer('CHAT_MAX_CHARS', 8000, 1, 1000000)!;
  // Off under test, so only the tests about limits meet them.
  const limit = (name: string, fallback: number) =>
    integer(name, nodeEnv === 'test' ? 0 : fallback, 0, 1000000)!;
  const rateLimit: RateLimitConfig = {
    windowMs: integer('RATE_LIMIT_WINDOW_MS', 60000, 100, 86400000)!,
    perIp: limit('RATE_LIMIT_PER_IP', 1200),
    chatPerIp: limit('RATE_LIMIT_CHAT_PER_IP', 600),
    chatPerUser: limit('RATE_LIMIT_CHAT_PER_USER', 60),
    loginWindowMs: integer('RATE_LIMIT_LOGIN_WINDOW_MS', 900000, 100, 86400000)!,
    loginPerIp: limit('RATE_LIMIT_LOGIN_PER_IP', 50),
    loginPerUsername: limit('RATE_LIMIT_LOGIN_PER_USERNAME', 10),
    redisPrefix: text('RATE_LIMIT_REDIS_PREFIX') ?? 'promptdev:rl:',
  };
  const trustProxy = parseTrustProxy(text('TRUST_PROXY'), problems);
  const chatAuth = oneOf<ChatAuthMode>('CHAT_AUTH', ['open', 'token'], 'open');
  const chatTokenSecret = text('CHAT_TOKEN_SECRET');
  if (chatAuth === 'token' && chatTokenSecret === undefined) {
    problems.push('CHAT_TOKEN_SECRET is required when CHAT_AUTH=token');
  }
  if (chatTokenSecret !== undefined && chatTokenSecret.length < 32) {
    problems.push('CHAT_TOKEN_SECRET must be at least 32 characters');
  }

  const config = new AppConfig({
    nodeEnv,
    host: text('HOST') ?? '0.0.0.0',
    port: integer('PORT', 8001, 0, 65535)!,
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: integer('DATABASE_POOL_SIZE', 10, 1, 500)!,
    databaseConnectTimeoutMs: integer('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600000)!,
    databasePoolWaitMs: integer('DATABASE_POOL_WAIT_MS', 30000, 100, 600000)!,
    dataDir: path.resolve(cwd, text('DATA_DIR') ?? 'data'),
    llmBaseUrl: (llmBaseUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    llmBaseUrlIsDefault: text('LLM_BASE_URL') === undefined,
    llmApi: oneOf<LlmApi>('LLM_API', ['openai', 'llamacpp'], 'openai'),
    llmModel: text('LLM_MODEL') ?? 'default',
    llmTimeoutMs,
    llmMaxRetries: integer('LLM_MAX_RETRIES', 3, 0, 10)!,
    // Default: one full attempt plus room for the retries' backoff.
    llmDeadlineMs: integer('LLM_DEADLINE_MS', llmTimeoutMs + 30000, 100, 7200000)!,
    llmFirstTokenTimeoutMs: integer('LLM_FIRST_TOKEN_TIMEOUT_MS', 60000, 100, 3600000)!,
    llmStreamIdleTimeoutMs: integer('LLM_STREAM_IDLE_TIMEOUT_MS', 20000, 100, 3600000)!,
    llmRetryBaseMs: integer('LLM_RETRY_BASE_MS', 250, 0, 60000)!,
    llmCircuitFailures: integer('LLM_CIRCUIT_FAILURES', 5, 1, 1000)!,
    llmCircuitResetMs: integer('LLM_CIRCUIT_RESET_MS', 10000, 10, 3600000)!,
    llmMaxSockets: integer('LLM_MAX_SOCKETS', 10000, 1, 100000)!,
    trustProxy,
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    rateLimit,
    corsOrigins,
    jwtSecret: jwtSecret ?? randomBytes(32).toString('base64url'),
    jwtSecretGenerated: jwtSecret === undefined,
    adminPassword: text('ADMIN_PASSWORD'),
    chatAuth,
    chatTokenSecret,
    chatMaxChars,
    bodyLimitBytes: integer('BODY_LIMIT_BYTES', 1048576, 1024, 104857600)!,
    // Room for a message of CHAT_MAX_CHARS characters at 4 UTF-8 bytes each, plus the ids.
    chatBodyLimitBytes: integer(
      'CHAT_BODY_LIMIT_BYTES',
      chatMaxChars * 4 + 16384,
      1024,
      104857600,
    )!,
    bodyMaxDepth: integer('BODY_MAX_DEPTH', 64, 2, 1000)!,
    operatorTokenTtlSeconds: integer('AUTH_TOKEN_TTL_SECONDS', 3600, 60, 86400)!,
    chatTokenTtlSeconds: integer('CHAT_TOKEN_TTL_SECONDS', 900, 30, 86400)!,
    authCookieSecure: flag('AUTH_COOKIE_SECURE', nodeEnv === 'production'),
    metricsPublic: flag('METRICS_PUBLIC', false),
    retentionDays: integer('RETENTION_DAYS', undefined, 1, 36500),
    retentionIntervalMs: nodeEnv === 'test' ? 0 : 86400000,
    logLevel: oneOf<LogLevel>('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    templateBudgets: {
      maxSteps: integer(
        'TEMPLATE_MAX_STEPS',
        DEFAULT_TEMPLATE_BUDGETS.maxSteps,
        1000,
        100_000_000,
      )!,
      maxLoopIterations: integer(
        'TEMPLATE_MAX_LOOP_ITERATIONS',
        DEFAULT_TEMPLATE_BUDGETS.maxLoopIterations,
        10,
        10_000_000,
      )!,
      maxOutputChars: integer(
        'TEMPLATE_MAX_OUTPUT_CHARS',
        DEFAULT_TEMPLATE_BUDGETS.maxOutputChars,
        100,
        100_000_000,
      )!,
      maxStringChars: integer(
        'TEMPLATE_MAX_STRING_CHARS',
        DEFAULT_TEMPLATE_BUDGETS.maxStringChars,
        100,
        100_000_000,
      )!,
      maxListItems: integer(
        'TEMPLATE_MAX_LIST_ITEMS',
        DEFAULT_TEMPLATE_BUDGETS.maxListItems,
        10,
        10_000_000,
      )!,
      maxCallDepth: integer(
        'TEMPLATE_MAX_CALL_DEPTH',
        DEFAULT_TEMPLATE_BUDGETS.maxCallDepth,
        1,
        1000,
      )!,
    },
    eventsHeartbeatMs: integer('EVENTS_HEARTBEAT_MS', 15000, 100, 600000)!,
    eventsPollMs: integer('EVENTS_POLL_MS', 1000, 20, 60000)!,
    eventsRetentionHours: integer('EVENTS_RETENTION_HOURS', 24, 1, 720)!,
    eventsStreamMaxUnsentBytes: integer(
      'EVENTS_STREAM_MAX_UNSENT_BYTES',
      1_048_576,
      1024,
      268_435_456,
    )!,
    statsAggregationIntervalMs,
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** `true` (any proxy, the default), `false`, or the proxies' addresses/CIDRs. */
function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | string[] {
  if (raw === undefined || raw === 'true') return true;
  if (raw === 'false') return false;
  const addresses = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (addresses.every((entry) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry))) return addresses;
  problems.push(`TRUST_PROXY must be true, false or proxy addresses/CIDRs (got "${raw}")`);
  return true;
}

/** Hides credentials in a URL before it reaches a message or a log. */
export function redact(value: string): string {
  return value.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

/** The only place that reads `process.env`. */
export function loadConfigFromProcess(): AppConfig {
  return loadConfig(process.env);
}
