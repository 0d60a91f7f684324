import path from 'node:path';
import { DEFAULT_TEMPLATE_BUDGETS, TemplateBudgets } from '../../modules/context/template-values';

export type LlmApi = 'openai' | 'llamacpp';
export type ChatAuthMode = 'open' | 'token';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Typed configuration, read from the environment once at boot (spec section 11). */
export class AppConfig {
  readonly nodeEnv!: string;
  readonly host!: string;
  readonly port!: number;
  /** Unset means the embedded PostgreSQL (PGlite) under `dataDir/pg`. */
  readonly databaseUrl!: string | undefined;
  readonly databasePoolSize!: number;
  readonly databaseConnectTimeoutMs!: number;
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
  /** First retry delay; doubles each retry, with jitter, unless Retry-After says longer. */
  readonly llmRetryBaseMs!: number;
  /** Consecutive failed calls that open the circuit breaker. */
  readonly llmCircuitFailures!: number;
  /** How long the circuit stays open before one probe call is let through. */
  readonly llmCircuitResetMs!: number;
  readonly redisUrl!: string | undefined;
  readonly corsOrigins!: string[];
  readonly jwtSecret!: string | undefined;
  readonly adminPassword!: string | undefined;
  readonly chatAuth!: ChatAuthMode;
  readonly chatTokenSecret!: string | undefined;
  readonly chatMaxChars!: number;
  readonly retentionDays!: number | undefined;
  readonly logLevel!: LogLevel;
  /** Limits on the work of one template render (spec section 4, step 6). */
  readonly templateBudgets!: TemplateBudgets;
  /** SSE comment sent to idle event streams so proxies keep them open. */
  readonly eventsHeartbeatMs!: number;
  /** Safety net behind LISTEN/NOTIFY (and the only path on the embedded database). */
  readonly eventsPollMs!: number;
  /** How long events stay available for Last-Event-ID resume. */
  readonly eventsRetentionHours!: number;
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
  const chatAuth = oneOf<ChatAuthMode>('CHAT_AUTH', ['open', 'token'], 'open');
  const chatTokenSecret = text('CHAT_TOKEN_SECRET');
  if (chatAuth === 'token' && chatTokenSecret === undefined) {
    problems.push('CHAT_TOKEN_SECRET is required when CHAT_AUTH=token');
  }

  const config = new AppConfig({
    nodeEnv,
    host: text('HOST') ?? '0.0.0.0',
    port: integer('PORT', 8001, 0, 65535)!,
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: integer('DATABASE_POOL_SIZE', 10, 1, 500)!,
    databaseConnectTimeoutMs: integer('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600000)!,
    dataDir: path.resolve(cwd, text('DATA_DIR') ?? 'data'),
    llmBaseUrl: (llmBaseUrl ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    llmBaseUrlIsDefault: text('LLM_BASE_URL') === undefined,
    llmApi: oneOf<LlmApi>('LLM_API', ['openai', 'llamacpp'], 'openai'),
    llmModel: text('LLM_MODEL') ?? 'default',
    llmTimeoutMs,
    llmMaxRetries: integer('LLM_MAX_RETRIES', 3, 0, 10)!,
    // Default: one full attempt plus room for the retries' backoff.
    llmDeadlineMs: integer('LLM_DEADLINE_MS', llmTimeoutMs + 30000, 100, 7200000)!,
    llmRetryBaseMs: integer('LLM_RETRY_BASE_MS', 250, 0, 60000)!,
    llmCircuitFailures: integer('LLM_CIRCUIT_FAILURES', 5, 1, 1000)!,
    llmCircuitResetMs: integer('LLM_CIRCUIT_RESET_MS', 10000, 10, 3600000)!,
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    corsOrigins,
    jwtSecret,
    adminPassword: text('ADMIN_PASSWORD'),
    chatAuth,
    chatTokenSecret,
    chatMaxChars: integer('CHAT_MAX_CHARS', 8000, 1, 1000000)!,
    retentionDays: integer('RETENTION_DAYS', undefined, 1, 36500),
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
    statsAggregationIntervalMs,
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Hides credentials in a URL before it reaches a message or a log. */
export function redact(value: string): string {
  return value.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

/** The only place that reads `process.env`. */
export function loadConfigFromProcess(): AppConfig {
  return loadConfig(process.env);
}
