import { clampLimit, decodeIdCursor, encodeIdCursor, MAX_PAGE_LIMIT } from './pagination';

describe('id cursors', () => {
  it.each([1, 42, Number.MAX_SAFE_INTEGER])('round-trip id %d', (id) => {
    const cursor = encodeIdCursor('g', id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeIdCursor('g', cursor)).toBe(id);
  });

  it('round-trip an id within its list only', () => {
    const cursor = encodeIdCursor('r', 42);
    expect(decodeIdCursor('r', cursor)).toBe(42);
    expect(decodeIdCursor('m', cursor)).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'not base64!'],
    ['not JSON', Buffer.from('not json').toString('base64url')],
    ['not an array', Buffer.from('{"g":1}').toString('base64url')],
    ['another list', Buffer.from('["m",5]').toString('base64url')],
    ['id zero', Buffer.from('["g",0]').toString('base64url')],
    ['fractional id', Buffer.from('["g",1.5]').toString('base64url')],
    ['string id', Buffer.from('["g","5"]').toString('base64url')],
    ['extra parts', Buffer.from('["g",5,6]').toString('base64url')],
    ['too long', 'A'.repeat(401)],
  ])('refuse %s', (_label, cursor) => expect(decodeIdCursor('g', cursor)).toBeUndefined());
});

describe('clampLimit', () => {
  it.each([
    [0, 1],
    [-5, 1],
    [Number.NaN, 1],
    [2.9, 2],
    [50, 50],
    [MAX_PAGE_LIMIT + 1, MAX_PAGE_LIMIT],
  ])('clamps %p to %p', (limit, expected) => expect(clampLimit(limit)).toBe(expected));
});
