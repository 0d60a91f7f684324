import { ValidationFailedError } from '../../core/errors/domain-error';
import {
  aggregationRange,
  bucketCount,
  bucketStartOf,
  bucketStarts,
  mergeTopTemplates,
  round2,
  timeseriesRange,
} from './stats-buckets';

const t = (iso: string) => new Date(iso);

describe('buckets', () => {
  it('starts hours and UTC days on their boundary', () => {
    expect(bucketStartOf('hour', t('2026-01-15T09:59:59.999Z'))).toEqual(t('2026-01-15T09:00:00Z'));
    expect(bucketStartOf('day', t('2026-01-15T23:30:00-05:00'))).toEqual(t('2026-01-16T00:00:00Z'));
  });

  it('lists every bucket a range touches, the one holding from included', () => {
    const range = { from: t('2026-01-15T09:30:00Z'), to: t('2026-01-15T12:00:00Z') };
    expect(bucketStarts('hour', range)).toEqual([
      t('2026-01-15T09:00:00Z'),
      t('2026-01-15T10:00:00Z'),
      t('2026-01-15T11:00:00Z'),
    ]);
    expect(bucketCount('hour', range)).toBe(3);
    expect(bucketStarts('day', range)).toEqual([t('2026-01-15T00:00:00Z')]);
    expect(bucketCount('day', range)).toBe(1);
  });
});

describe('timeseriesRange', () => {
  const now = t('2026-01-15T09:30:00Z');

  it('defaults to the last 24 hours or 30 days, the current bucket included', () => {
    expect(timeseriesRange('hour', {}, now)).toEqual({ from: t('2026-01-14T10:00:00Z'), to: now });
    expect(bucketCount('hour', timeseriesRange('hour', {}, now))).toBe(24);
    expect(bucketCount('day', timeseriesRange('day', {}, now))).toBe(30);
  });

  it('keeps the range given, up to 1000 buckets', () => {
    const from = t('2026-01-01T00:00:00Z');
    expect(timeseriesRange('hour', { from, to: now }, now)).toEqual({ from, to: now });
    expect(() => timeseriesRange('hour', { from: t('2025-01-01T00:00:00Z') }, now)).toThrow(
      ValidationFailedError,
    );
  });

  it('refuses from at or after to', () => {
    expect(() => timeseriesRange('hour', { from: now, to: now }, now)).toThrow(
      ValidationFailedError,
    );
  });
});

describe('aggregationRange', () => {
  const now = t('2026-01-15T09:30:00Z');

  it('defaults to the last 48 hours and never goes past now', () => {
    expect(aggregationRange({}, now)).toEqual({ from: t('2026-01-13T09:30:00Z'), to: now });
    expect(aggregationRange({ from: t('2026-01-15T00:00:00Z'), to: t('2027-01-01') }, now)).toEqual(
      { from: t('2026-01-15T00:00:00Z'), to: now },
    );
  });

  it('refuses a from in the future and ranges longer than 31 days', () => {
    expect(() => aggregationRange({ from: t('2026-02-01') }, now)).toThrow(ValidationFailedError);
    expect(() => aggregationRange({ from: t('2025-12-01'), to: now }, now)).toThrow(
      ValidationFailedError,
    );
  });
});

describe('mergeTopTemplates', () => {
  it('sums counts across buckets and ranks by count, then name', () => {
    expect(
      mergeTopTemplates(
        [
          [
            { name: 'luna', count: 3 },
            { name: 'sol', count: 1 },
          ],
          [
            { name: 'sol', count: 2 },
            { name: 'astra', count: 3 },
          ],
          [],
        ],
        2,
      ),
    ).toEqual([
      { name: 'astra', count: 3 },
      { name: 'luna', count: 3 },
    ]);
  });
});

describe('round2', () => {
  it('keeps two decimals and null', () => {
    expect(round2(880.0000000000002)).toBe(880);
    expect(round2(14.285714)).toBe(14.29);
    expect(round2(null)).toBeNull();
  });
});
