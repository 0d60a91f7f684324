import { ActiveGuardrailConfig, GuardrailConfigCache } from './guardrail-cache';

const config = (name: string, id = 1): ActiveGuardrailConfig => ({
  id,
  name,
  rules: [],
  fallbackMessage: 'Sorry',
});

describe('GuardrailConfigCache', () => {
  it('loads a name once until invalidated', async () => {
    const cache = new GuardrailConfigCache();
    const load = jest.fn(async () => config('a'));
    expect(await cache.get('a', load)).toEqual(config('a'));
    expect(await cache.get('a', load)).toBe(await cache.get('a', load));
    expect(load).toHaveBeenCalledTimes(1);
    cache.invalidate();
    await cache.get('a', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not keep misses', async () => {
    const cache = new GuardrailConfigCache();
    const load = jest.fn(async () => null);
    await cache.get('missing', load);
    await cache.get('missing', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not store a load that an invalidation overtook', async () => {
    const cache = new GuardrailConfigCache();
    let finish: (value: ActiveGuardrailConfig) => void = () => undefined;
    const slow = cache.get('a', () => new Promise((resolve) => (finish = resolve)));
    cache.invalidate();
    finish(config('a', 1));
    expect(await slow).toEqual(config('a', 1));
    expect(await cache.get('a', async () => config('a', 2))).toEqual(config('a', 2));
  });
});
