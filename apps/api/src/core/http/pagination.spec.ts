import {
  clampLimit,
  decodeIdCursor,
  encodeIdCursor,
  keysetPage,
  MAX_PAGE_LIMIT,
} from './pagination';

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

describe('keysetPage', () => {
  const rows = [{ id: 9 }, { id: 7 }, { id: 4 }];
  const cursorOf = (row: { id: number }, index: number) => `${row.id}@${index}`;

  it('keeps `size` rows and names the last one kept when another row was fetched', () => {
    expect(keysetPage(rows, 2, cursorOf)).toEqual({
      items: [{ id: 9 }, { id: 7 }],
      nextCursor: '7@1',
    });
  });

  it.each([
    ['exactly a page', 3],
    ['less than a page', 5],
  ])('has no next page with %s of rows', (_label, size) => {
    expect(keysetPage(rows, size, cursorOf)).toEqual({ items: rows, nextCursor: null });
  });

  it('has no next page when nothing was found', () => {
    expect(keysetPage([], 2, cursorOf)).toEqual({ items: [], nextCursor: null });
  });

  it('leaves the fetched rows as they were', () => {
    const fetched = [...rows];
    keysetPage(fetched, 1, cursorOf).items.reverse();
    expect(fetched).toEqual(rows);
  });
});
