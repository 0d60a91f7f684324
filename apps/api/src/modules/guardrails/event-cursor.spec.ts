import { decodeEventCursor, encodeEventCursor } from './event-cursor';

describe('event cursors', () => {
  it('round-trip ids', () => {
    for (const id of [1, 42, Number.MAX_SAFE_INTEGER]) {
      expect(decodeEventCursor(encodeEventCursor(id))).toBe(id);
    }
  });

  it('refuse anything this list did not make', () => {
    const foreign = [
      '',
      'not base64!',
      Buffer.from('{"g":1}').toString('base64url'),
      Buffer.from('["m",5]').toString('base64url'),
      Buffer.from('["g",0]').toString('base64url'),
      Buffer.from('["g",1.5]').toString('base64url'),
      Buffer.from('["g","5"]').toString('base64url'),
      Buffer.from('["g",5,6]').toString('base64url'),
      Buffer.from('not json').toString('base64url'),
      'A'.repeat(65),
    ];
    for (const cursor of foreign) expect(decodeEventCursor(cursor)).toBeUndefined();
  });
});
