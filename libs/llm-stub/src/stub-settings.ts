import { isObject, withoutUndefined } from './json-object';

/**
 * The stub's run-time settings. They have one shape everywhere: the body of
 * `POST /_stub/control`, the in-process `control.configure()`, the server options and the
 * environment (mapped onto the same fields), so the names are the wire's snake_case.
 */
export const FAILURE_MODES = [
  'status',
  'hang',
  'drop',
  'malformed',
  'stream_error',
  'slow',
] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

/** One entry of the failure queue: applies to the next `count` completion calls. */
export interface Failure {
  mode: FailureMode;
  count: number;
  /** status: the HTTP status (default 500). */
  status?: number;
  /** status: seconds sent in `Retry-After`. */
  retry_after?: number;
  /** drop, malformed, stream_error: tokens streamed before the failure (default 1). */
  after_tokens?: number;
  /** slow: latencies that replace the settings' for these calls. */
  latency_ms?: number;
  token_latency_ms?: number;
  /** status, stream_error: the error message. */
  message?: string;
}

export interface StubSettings {
  reply_prefix: string;
  /** Pads or cuts every reply to this many tokens; null keeps the natural length. */
  reply_tokens: number | null;
  latency_ms: number;
  token_latency_ms: number;
  /** The stub answers 503 "Loading model" for this long after the settings are applied. */
  loading_ms: number;
  failures: Failure[];
}

/** What callers send: every field optional, a failure's count defaults to 1. */
export type StubSettingsInput = Partial<Omit<StubSettings, 'failures'>> & {
  failures?: Array<Omit<Failure, 'count'> & { count?: number }>;
};

export const DEFAULT_SETTINGS: Readonly<StubSettings> = {
  reply_prefix: 'Echo: ',
  reply_tokens: null,
  latency_ms: 0,
  token_latency_ms: 0,
  loading_ms: 0,
  failures: [],
};

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'SettingsError';
  }
}

const MAX_LATENCY_MS = 3_600_000;
const MAX_TOKENS = 1_000_000;

const FAILURE_FIELDS: Record<FailureMode, readonly string[]> = {
  status: ['status', 'retry_after', 'message'],
  hang: [],
  drop: ['after_tokens'],
  malformed: ['after_tokens'],
  stream_error: ['after_tokens', 'message'],
  slow: ['latency_ms', 'token_latency_ms'],
};

/**
 * Validates settings from outside (JSON or env). Omitted fields take `base`'s values, except
 * `failures` and `loading_ms`, which describe what happens next and so start empty.
 * `label` turns a field path into the name the caller knows (an env variable, for instance).
 */
export function parseSettings(
  input: unknown,
  base: Readonly<StubSettings> = DEFAULT_SETTINGS,
  label: (path: string) => string = (path) => path,
): StubSettings {
  const problems: string[] = [];
  if (!isObject(input)) throw new SettingsError(['settings must be a JSON object']);

  const integer = (path: string, value: unknown, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
      return value;
    }
    problems.push(
      `${label(path)} must be a whole number from ${min} to ${max} (got ${shown(value)})`,
    );
    return undefined;
  };
  const text = (path: string, value: unknown): string | undefined => {
    if (value === undefined || typeof value === 'string') return value;
    problems.push(`${label(path)} must be a string`);
    return undefined;
  };
  const unknownKeys = (object: Record<string, unknown>, allowed: readonly string[], at = '') => {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) problems.push(`${label(at + key)} is not a known setting`);
    }
  };

  unknownKeys(input, Object.keys(DEFAULT_SETTINGS));
  const settings: StubSettings = {
    reply_prefix: text('reply_prefix', input.reply_prefix) ?? base.reply_prefix,
    reply_tokens:
      input.reply_tokens === null
        ? null
        : (integer('reply_tokens', input.reply_tokens, 1, MAX_TOKENS) ?? base.reply_tokens),
    latency_ms: integer('latency_ms', input.latency_ms, 0, MAX_LATENCY_MS) ?? base.latency_ms,
    token_latency_ms:
      integer('token_latency_ms', input.token_latency_ms, 0, MAX_LATENCY_MS) ??
      base.token_latency_ms,
    loading_ms: integer('loading_ms', input.loading_ms, 0, MAX_LATENCY_MS) ?? 0,
    failures: [],
  };

  const failures = input.failures ?? [];
  if (!Array.isArray(failures)) problems.push(`${label('failures')} must be an array`);
  else {
    failures.forEach((raw: unknown, index) => {
      const at = `failures[${index}].`;
      if (!isObject(raw)) {
        problems.push(`${label(`failures[${index}]`)} must be an object`);
        return;
      }
      const mode = raw.mode as FailureMode;
      if (!FAILURE_MODES.includes(mode)) {
        problems.push(
          `${label(`${at}mode`)} must be one of ${FAILURE_MODES.join(', ')} (got ${shown(mode)})`,
        );
        return;
      }
      unknownKeys(raw, ['mode', 'count', ...FAILURE_FIELDS[mode]], at);
      const failure: Failure = {
        mode,
        count: integer(`${at}count`, raw.count, 1, 1_000_000_000) ?? 1,
        status: integer(`${at}status`, raw.status, 400, 599),
        retry_after: integer(`${at}retry_after`, raw.retry_after, 0, 86_400),
        after_tokens: integer(`${at}after_tokens`, raw.after_tokens, 0, MAX_TOKENS),
        latency_ms: integer(`${at}latency_ms`, raw.latency_ms, 0, MAX_LATENCY_MS),
        token_latency_ms: integer(`${at}token_latency_ms`, raw.token_latency_ms, 0, MAX_LATENCY_MS),
        message: text(`${at}message`, raw.message),
      };
      if (mode === 'status') failure.status ??= 500;
      if (mode === 'drop' || mode === 'malformed' || mode === 'stream_error') {
        failure.after_tokens ??= 1;
      }
      settings.failures.push(withoutUndefined(failure) as Failure);
    });
  }

  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
