import { loadStubConfig, StubConfigError } from './stub-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadStubConfig(env);
  } catch (error) {
    if (error instanceof StubConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadStubConfig', () => {
  it('has defaults for everything', () => {
    expect(loadStubConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8080,
      model: 'promptdev-stub',
      log: false,
      settings: {},
    });
  });

  it('maps every variable onto the settings', () => {
    const config = loadStubConfig({
      STUB_HOST: '0.0.0.0',
      STUB_PORT: '9090',
      STUB_MODEL: 'llama-test',
      STUB_LOG: '1',
      STUB_REPLY_PREFIX: 'Bot says: ',
      STUB_REPLY_TOKENS: '64',
      STUB_LATENCY_MS: '20',
      STUB_TOKEN_LATENCY_MS: '3',
      STUB_LOADING_MS: '500',
      STUB_FAIL_MODE: 'status',
      STUB_FAIL_STATUS: '429',
      STUB_FAIL_COUNT: '2',
      STUB_RETRY_AFTER: '1',
    });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 9090,
      model: 'llama-test',
      log: true,
      settings: {
        reply_prefix: 'Bot says: ',
        reply_tokens: 64,
        latency_ms: 20,
        token_latency_ms: 3,
        loading_ms: 500,
        failures: [{ mode: 'status', status: 429, count: 2, retry_after: 1 }],
      },
    });
  });

  it('keeps an empty reply prefix: echo the message alone', () => {
    expect(loadStubConfig({ STUB_REPLY_PREFIX: '' }).settings).toEqual({ reply_prefix: '' });
  });

  it('takes a failure status alone as the status mode', () => {
    expect(loadStubConfig({ STUB_FAIL_STATUS: '503' }).settings.failures).toEqual([
      { mode: 'status', status: 503 },
    ]);
  });

  it('configures the other failure modes', () => {
    const env = { STUB_FAIL_MODE: 'drop', STUB_FAIL_AFTER_TOKENS: '3', STUB_FAIL_COUNT: '5' };
    expect(loadStubConfig(env).settings.failures).toEqual([
      { mode: 'drop', after_tokens: 3, count: 5 },
    ]);
    const slow = { STUB_FAIL_MODE: 'slow', STUB_FAIL_LATENCY_MS: '2000' };
    expect(loadStubConfig(slow).settings.failures).toEqual([{ mode: 'slow', latency_ms: 2000 }]);
  });

  it('names each bad variable', () => {
    expect(
      problemsOf({
        STUB_PORT: '80a',
        STUB_LOG: 'yes',
        STUB_TOKEN_LATENCY_MS: '1.5',
        STUB_REPLY_TOKENS: '0',
        STUB_FAIL_MODE: 'boom',
      }),
    ).toEqual([
      'STUB_PORT must be a whole number from 0 to 65535 (got "80a")',
      'STUB_LOG must be 1 or 0 (got "yes")',
      'STUB_REPLY_TOKENS must be a whole number from 1 to 1000000 (got 0)',
      'STUB_TOKEN_LATENCY_MS must be a whole number from 0 to 3600000 (got "1.5")',
      'STUB_FAIL_MODE must be one of status, hang, drop, malformed, stream_error, slow (got "boom")',
    ]);
  });

  it('asks for a mode when only failure details are set', () => {
    expect(problemsOf({ STUB_FAIL_COUNT: '2' })).toEqual([
      'STUB_FAIL_MODE must be one of status, hang, drop, malformed, stream_error, slow (got nothing)',
    ]);
  });

  it('rejects a detail that does not apply to the mode', () => {
    expect(problemsOf({ STUB_FAIL_MODE: 'hang', STUB_RETRY_AFTER: '2' })).toEqual([
      'STUB_RETRY_AFTER is not a known setting',
    ]);
  });
});
