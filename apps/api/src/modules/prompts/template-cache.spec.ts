import { CachedTemplate, TemplateCache } from './template-cache';

const template = (version: number): CachedTemplate => ({
  id: 1,
  name: 'nova',
  version,
  content: `v${version}`,
  config: {},
  isActive: true,
});

describe('TemplateCache', () => {
  it('loads once per name and once for the default (including "no default")', async () => {
    const cache = new TemplateCache();
    const load = jest.fn(() => Promise.resolve(template(1)));
    const none = jest.fn(() => Promise.resolve(null));
    expect(await cache.getByName('nova', load)).toEqual(template(1));
    expect(await cache.getByName('nova', load)).toEqual(template(1));
    expect(load).toHaveBeenCalledTimes(1);
    expect(await cache.getDefault(none)).toBeNull();
    expect(await cache.getDefault(none)).toBeNull();
    expect(none).toHaveBeenCalledTimes(1);
  });

  it('does not keep unknown names', async () => {
    const cache = new TemplateCache();
    const none = jest.fn(() => Promise.resolve(null));
    await cache.getByName('ghost', none);
    await cache.getByName('ghost', none);
    expect(none).toHaveBeenCalledTimes(2);
  });

  it('forgets everything on invalidate()', async () => {
    const cache = new TemplateCache();
    await cache.getByName('nova', () => Promise.resolve(template(1)));
    await cache.getDefault(() => Promise.resolve(template(1)));
    cache.invalidate();
    expect(await cache.getByName('nova', () => Promise.resolve(template(2)))).toEqual(template(2));
    expect(await cache.getDefault(() => Promise.resolve(template(2)))).toEqual(template(2));
  });

  it('never stores a load that an invalidation overtook', async () => {
    const cache = new TemplateCache();
    let finish!: (value: CachedTemplate) => void;
    const slow = cache.getByName(
      'nova',
      () => new Promise<CachedTemplate>((resolve) => (finish = resolve)),
    );
    cache.invalidate();
    finish(template(1));
    expect(await slow).toEqual(template(1));
    expect(await cache.getByName('nova', () => Promise.resolve(template(2)))).toEqual(template(2));
  });
});
