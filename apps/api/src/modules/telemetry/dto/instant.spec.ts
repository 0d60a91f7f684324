import { isInstant } from './instant';

describe('isInstant', () => {
  it.each([
    '2026-01-15',
    '2026-01-15T09:30Z',
    '2026-01-15T09:30:00Z',
    '2026-01-15T09:30:00.123456Z',
    '2024-02-29T23:59:59+02:00',
  ])('accepts %s', (value) => expect(isInstant(value)).toBe(true));

  it.each([
    ['a day that does not exist', '2026-02-30'],
    ['a month that does not exist', '2026-13-01'],
    ['an hour that does not exist', '2026-01-15T25:00:00Z'],
    ['a time without a zone', '2026-01-15T09:30:00'],
    ['words', 'yesterday'],
    ['a number', 1768469400000],
    ['epoch text', '1768469400000'],
  ])('refuses %s', (_label, value) => expect(isInstant(value)).toBe(false));
});
