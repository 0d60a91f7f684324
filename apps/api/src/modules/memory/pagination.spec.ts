import {
  decodeMessageCursor,
  decodeUserCursor,
  encodeMessageCursor,
  encodeUserCursor,
} from './pagination';

describe('message cursors', () => {
  it.each([1, 42, Number.MAX_SAFE_INTEGER])('round-trips id %d', (id) => {
    const cursor = encodeMessageCursor(id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeMessageCursor(cursor)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['not an array', Buffer.from('{"id":1}').toString('base64url')],
    [
      'a user cursor',
      encodeUserCursor({ lastActivity: '2026-01-01T00:00:00.000000Z', userId: 'u' }),
    ],
    ['id zero', Buffer.from('["m",0]').toString('base64url')],
    ['fractional id', Buffer.from('["m",1.5]').toString('base64url')],
    ['string id', Buffer.from('["m","1"]').toString('base64url')],
    ['too long', 'A'.repeat(401)],
  ])('rejects %s', (_label, cursor) => expect(decodeMessageCursor(cursor)).toBeUndefined());
});

describe('user cursors', () => {
  it('round-trips microsecond timestamps and any user id', () => {
    const position = { lastActivity: '2026-03-04T05:06:07.123456Z', userId: 'a.b:c@d-e_f' };
    expect(decodeUserCursor(encodeUserCursor(position))).toEqual(position);
  });

  it.each([
    ['a message cursor', encodeMessageCursor(5)],
    [
      'millisecond timestamp',
      Buffer.from('["u","2026-03-04T05:06:07.123Z","u"]').toString('base64url'),
    ],
    [
      'impossible date',
      Buffer.from('["u","2026-02-30T00:00:00.000000Z","u"]').toString('base64url'),
    ],
    ['numeric user id', Buffer.from('["u","2026-03-04T05:06:07.123456Z",7]').toString('base64url')],
  ])('rejects %s', (_label, cursor) => expect(decodeUserCursor(cursor)).toBeUndefined());
});
