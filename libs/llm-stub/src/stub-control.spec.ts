import { StubControl } from './stub-control';
import { parseSettings } from './stub-settings';

function startupControl(input: unknown = {}) {
  return new StubControl(parseSettings(input));
}

function recordOne(control: StubControl, path = '/completion') {
  return control.record({
    method: 'POST',
    path,
    body: {},
    headers: { 'content-type': null, authorization: false, 'x-request-id': null },
    received_at: new Date().toISOString(),
  });
}

describe('StubControl', () => {
  it('hands out queued failures in order, each for its count, then none', () => {
    const control = startupControl();
    control.configure({
      failures: [
        { mode: 'status', status: 503, count: 2 },
        { mode: 'hang', count: 1 },
      ],
    });
    const modes = Array.from({ length: 5 }, () => control.takeFailure());
    expect(modes.map((failure) => failure?.status ?? failure?.mode)).toEqual([
      503,
      503,
      'hang',
      undefined,
      undefined,
    ]);
  });

  it('reports calls left on each queued failure', () => {
    const control = startupControl();
    control.configure({ failures: [{ mode: 'drop', count: 3 }] });
    control.takeFailure();
    expect(control.describe().failures).toEqual([{ mode: 'drop', count: 2, after_tokens: 1 }]);
  });

  it('replaces the settings: omitted fields go back to the startup values', () => {
    const control = startupControl({ reply_prefix: 'Bot: ', latency_ms: 10 });
    control.configure({ latency_ms: 50, reply_tokens: 8 });
    expect(control.current).toMatchObject({ reply_prefix: 'Bot: ', latency_ms: 50 });
    control.configure({});
    expect(control.current).toMatchObject({ latency_ms: 10, reply_tokens: null });
  });

  it('keeps failures configured at startup until they are used', () => {
    const control = startupControl({ failures: [{ mode: 'status', count: 1 }] });
    expect(control.takeFailure()?.mode).toBe('status');
    expect(control.takeFailure()).toBeUndefined();
  });

  it('reset clears failures, loading and recorded requests', () => {
    const control = startupControl({ latency_ms: 10 });
    control.configure({ latency_ms: 99, loading_ms: 60_000, failures: [{ mode: 'hang' }] });
    recordOne(control);
    expect(control.isLoading()).toBe(true);
    control.reset();
    expect(control.isLoading()).toBe(false);
    expect(control.takeFailure()).toBeUndefined();
    expect(control.requests()).toEqual([]);
    expect(control.current.latency_ms).toBe(10);
  });

  it('waits for a request recorded or settled later', async () => {
    const control = startupControl();
    const aborted = control.waitForRequest((request) => request.outcome === 'aborted');
    const entry = recordOne(control);
    control.settle(entry, 'aborted');
    await expect(aborted).resolves.toMatchObject({ id: entry.id, outcome: 'aborted' });
  });

  it('gives up waiting after the timeout', async () => {
    const control = startupControl();
    await expect(control.waitForRequest(() => true, 10)).rejects.toThrow('within 10 ms');
  });
});
