import { DEFAULT_SETTINGS, parseSettings, SettingsError, StubSettings } from './stub-settings';

function problemsOf(input: unknown, label?: (path: string) => string): string[] {
  try {
    parseSettings(input, undefined, label);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error('expected the settings to be rejected');
}

describe('parseSettings', () => {
  it('gives the defaults for an empty object', () => {
    expect(parseSettings({})).toEqual(DEFAULT_SETTINGS);
  });

  it('fills failure defaults: one call, HTTP 500, one token before a stream breaks', () => {
    const settings = parseSettings({
      failures: [{ mode: 'status' }, { mode: 'drop', count: 3 }, { mode: 'hang' }],
    });
    expect(settings.failures).toEqual([
      { mode: 'status', count: 1, status: 500 },
      { mode: 'drop', count: 3, after_tokens: 1 },
      { mode: 'hang', count: 1 },
    ]);
  });

  it('takes omitted fields from the base, but never its failures or loading', () => {
    const base: StubSettings = {
      reply_prefix: 'Bot: ',
      reply_tokens: 7,
      latency_ms: 5,
      token_latency_ms: 2,
      loading_ms: 100,
      failures: [{ mode: 'hang', count: 1 }],
    };
    expect(parseSettings({ latency_ms: 9 }, base)).toEqual({
      ...base,
      latency_ms: 9,
      loading_ms: 0,
      failures: [],
    });
    expect(parseSettings({ reply_tokens: null }, base).reply_tokens).toBeNull();
  });

  it('reports every problem at once', () => {
    expect(
      problemsOf({
        latency_ms: -1,
        reply_prefix: 3,
        replyTokens: 2,
        failures: [{ mode: 'explode' }, { mode: 'status', status: 200, after_tokens: 2 }],
      }),
    ).toEqual([
      'replyTokens is not a known setting',
      'reply_prefix must be a string',
      'latency_ms must be a whole number from 0 to 3600000 (got -1)',
      'failures[0].mode must be one of status, hang, drop, malformed, stream_error, slow (got "explode")',
      'failures[1].after_tokens is not a known setting',
      'failures[1].status must be a whole number from 400 to 599 (got 200)',
    ]);
  });

  it('rejects numbers sent as strings and a body that is not an object', () => {
    expect(problemsOf({ token_latency_ms: '5' })).toEqual([
      'token_latency_ms must be a whole number from 0 to 3600000 (got "5")',
    ]);
    expect(problemsOf([])).toEqual(['settings must be a JSON object']);
    expect(problemsOf({ failures: {} })).toEqual(['failures must be an array']);
  });

  it('names fields the way the caller knows them', () => {
    expect(problemsOf({ failures: [{ mode: 'hang', count: 0 }] }, (path) => `<${path}>`)).toEqual([
      '<failures[0].count> must be a whole number from 1 to 1000000000 (got 0)',
    ]);
  });
});
