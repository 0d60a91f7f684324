import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({}, '/srv/promptdev');
    expect(config).toMatchObject({
      port: 8001,
      databaseUrl: undefined,
      dataDir: '/srv/promptdev/data',
      llmBaseUrl: 'http://127.0.0.1:8080',
      llmBaseUrlIsDefault: true,
      llmApi: 'openai',
      llmTimeoutMs: 120000,
      llmMaxRetries: 3,
      chatAuth: 'open',
      chatMaxChars: 8000,
      retentionDays: undefined,
      logLevel: 'info',
      corsOrigins: [],
      bodyLimitBytes: 1048576,
      chatBodyLimitBytes: 8000 * 4 + 16384,
      bodyMaxDepth: 64,
    });
  });

  it('derives the chat body limit from CHAT_MAX_CHARS unless it is set', () => {
    expect(loadConfig({ CHAT_MAX_CHARS: '1000' }).chatBodyLimitBytes).toBe(1000 * 4 + 16384);
    expect(
      loadConfig({ CHAT_MAX_CHARS: '1000', CHAT_BODY_LIMIT_BYTES: '4096' }).chatBodyLimitBytes,
    ).toBe(4096);
    expect(() => loadConfig({ BODY_MAX_DEPTH: '1' })).toThrow(ConfigError);
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://app:secret@db:5432/promptdev',
      LLM_BASE_URL: 'http://llm:8080/',
      LLM_API: 'llamacpp',
      LLM_MODEL: 'qwen',
      LLM_TIMEOUT_MS: '5000',
      LLM_MAX_RETRIES: '0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
      JWT_SECRET: 'x'.repeat(32),
      CHAT_AUTH: 'token',
      CHAT_TOKEN_SECRET: 't'.repeat(32),
      RETENTION_DAYS: '30',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 9000,
      databaseUrl: 'postgres://app:secret@db:5432/promptdev',
      llmBaseUrl: 'http://llm:8080',
      llmBaseUrlIsDefault: false,
      llmApi: 'llamacpp',
      llmModel: 'qwen',
      llmTimeoutMs: 5000,
      llmMaxRetries: 0,
      corsOrigins: ['https://a.example.com', 'http://localhost:5173'],
      chatAuth: 'token',
      retentionDays: 30,
      logLevel: 'debug',
    });
  });

  it('names every bad variable in one error, without leaking passwords', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        LLM_API: 'gpt',
        DATABASE_URL: 'mysql://u:hunter2@x/db',
        CHAT_AUTH: 'token',
        LLM_MAX_RETRIES: '-1',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of [
      'PORT',
      'LLM_API',
      'DATABASE_URL',
      'CHAT_TOKEN_SECRET',
      'LLM_MAX_RETRIES',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('hunter2');
  });

  it('has first-token and between-tokens timeouts apart from the total budget', () => {
    expect(loadConfig({})).toMatchObject({
      llmFirstTokenTimeoutMs: 60000,
      llmStreamIdleTimeoutMs: 20000,
      llmDeadlineMs: 150000,
    });
    expect(
      loadConfig({ LLM_FIRST_TOKEN_TIMEOUT_MS: '500', LLM_STREAM_IDLE_TIMEOUT_MS: '250' }),
    ).toMatchObject({ llmFirstTokenTimeoutMs: 500, llmStreamIdleTimeoutMs: 250 });
    expect(() =>
      loadConfig({ LLM_FIRST_TOKEN_TIMEOUT_MS: '0', LLM_STREAM_IDLE_TIMEOUT_MS: 'soon' }),
    ).toThrow(/LLM_FIRST_TOKEN_TIMEOUT_MS[\s\S]*LLM_STREAM_IDLE_TIMEOUT_MS/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '  ' }).databaseUrl).toBeUndefined();
  });

  it('aggregates stats every 5 minutes, never under test unless asked, and not sub-second', () => {
    expect(loadConfig({}).statsAggregationIntervalMs).toBe(300000);
    expect(loadConfig({ NODE_ENV: 'test' }).statsAggregationIntervalMs).toBe(0);
    expect(
      loadConfig({ NODE_ENV: 'test', STATS_AGGREGATION_INTERVAL_MS: '60000' })
        .statsAggregationIntervalMs,
    ).toBe(60000);
    expect(() => loadConfig({ STATS_AGGREGATION_INTERVAL_MS: '500' })).toThrow(
      /STATS_AGGREGATION_INTERVAL_MS must be 0 \(off\) or at least 1000/,
    );
  });

  it('trusts X-Forwarded-For from any proxy unless told otherwise', () => {
    expect(loadConfig({}).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/);
  });
});
