import { withoutUndefined } from './json-object';
import { parseSettings, SettingsError, StubSettingsInput } from './stub-settings';
import { DEFAULT_MODEL } from './stub-server';

export interface StubConfig {
  host: string;
  port: number;
  model: string;
  /** One log line per request (STUB_LOG=1). */
  log: boolean;
  settings: StubSettingsInput;
}

export class StubConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'StubConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Which variable sets each settings field, so problems name what the operator wrote. */
const SETTING_VARIABLES: Record<string, string> = {
  reply_prefix: 'STUB_REPLY_PREFIX',
  reply_tokens: 'STUB_REPLY_TOKENS',
  latency_ms: 'STUB_LATENCY_MS',
  token_latency_ms: 'STUB_TOKEN_LATENCY_MS',
  loading_ms: 'STUB_LOADING_MS',
  'failures[0].mode': 'STUB_FAIL_MODE',
  'failures[0].count': 'STUB_FAIL_COUNT',
  'failures[0].status': 'STUB_FAIL_STATUS',
  'failures[0].retry_after': 'STUB_RETRY_AFTER',
  'failures[0].after_tokens': 'STUB_FAIL_AFTER_TOKENS',
  'failures[0].latency_ms': 'STUB_FAIL_LATENCY_MS',
};

/** Reads and validates the STUB_* variables; reports every problem at once. */
export function loadStubConfig(env: Env): StubConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  // Numbers stay strings when they are not whole numbers, for parseSettings to report.
  const number = (name: string): number | string | undefined => {
    const value = text(name);
    return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : value;
  };

  const port = number('STUB_PORT') ?? 8080;
  if (typeof port !== 'number' || port > 65535 || port < 0) {
    problems.push(`STUB_PORT must be a whole number from 0 to 65535 (got "${port}")`);
  }
  const log = text('STUB_LOG') ?? '0';
  if (!['0', '1', 'true', 'false'].includes(log)) {
    problems.push(`STUB_LOG must be 1 or 0 (got "${log}")`);
  }

  const failure = withoutUndefined({
    mode: text('STUB_FAIL_MODE') ?? (text('STUB_FAIL_STATUS') ? 'status' : undefined),
    count: number('STUB_FAIL_COUNT'),
    status: number('STUB_FAIL_STATUS'),
    retry_after: number('STUB_RETRY_AFTER'),
    after_tokens: number('STUB_FAIL_AFTER_TOKENS'),
    latency_ms: number('STUB_FAIL_LATENCY_MS'),
  });
  const settings = withoutUndefined({
    // An empty prefix is a real choice, so it is not trimmed away.
    reply_prefix: env.STUB_REPLY_PREFIX,
    reply_tokens: number('STUB_REPLY_TOKENS'),
    latency_ms: number('STUB_LATENCY_MS'),
    token_latency_ms: number('STUB_TOKEN_LATENCY_MS'),
    loading_ms: number('STUB_LOADING_MS'),
    failures: Object.keys(failure).length > 0 ? [failure] : undefined,
  });
  try {
    parseSettings(settings, undefined, (path) => SETTING_VARIABLES[path] ?? path);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    problems.push(...error.problems);
  }

  if (problems.length > 0) throw new StubConfigError(problems);
  return {
    host: text('STUB_HOST') ?? '127.0.0.1',
    port: port as number,
    model: text('STUB_MODEL') ?? DEFAULT_MODEL,
    log: log === '1' || log === 'true',
    settings: settings as StubSettingsInput,
  };
}
