import { createHmac } from 'node:crypto';
import { peekTokenType, signToken, verifyToken } from './hs256-token';

const SECRET = 's'.repeat(32);
const NOW = 1_800_000_000;
const claims = { typ: 'operator', sub: 'op-1', iat: NOW, exp: NOW + 60 };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const hmac = (body: string, secret = SECRET) =>
  createHmac('sha256', secret).update(body).digest('base64url');

describe('HS256 tokens', () => {
  it('verifies what it signed, within its lifetime and for its type only', () => {
    const token = signToken(claims, SECRET);
    expect(verifyToken(token, SECRET, 'operator', NOW + 10)).toEqual(claims);
    expect(peekTokenType(token)).toBe('operator');
    expect(verifyToken(token, SECRET, 'chat', NOW + 10)).toBeUndefined();
    expect(verifyToken(token, SECRET, 'operator', NOW + 60)).toBeUndefined();
    expect(verifyToken(token, 't'.repeat(32), 'operator', NOW)).toBeUndefined();
  });

  it('refuses tokens issued in the future beyond the clock skew', () => {
    const token = signToken({ ...claims, iat: NOW + 120, exp: NOW + 600 }, SECRET);
    expect(verifyToken(token, SECRET, 'operator', NOW)).toBeUndefined();
  });

  it('refuses a changed payload, alg none, another algorithm and malformed tokens', () => {
    const [header, , signature] = signToken(claims, SECRET).split('.');
    const forged = `${header}.${b64({ ...claims, sub: 'op-2' })}.${signature}`;
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    const hs512Header = b64({ alg: 'HS512', typ: 'JWT' });
    const otherAlg = `${hs512Header}.${b64(claims)}.${hmac(`${hs512Header}.${b64(claims)}`)}`;
    for (const token of [
      forged,
      none,
      otherAlg,
      'a.b',
      '',
      'x'.repeat(5000),
      `${header}.!!.${signature}`,
    ]) {
      expect(verifyToken(token, SECRET, 'operator', NOW)).toBeUndefined();
    }
  });

  it('refuses claims of the wrong types even when correctly signed', () => {
    for (const payload of [
      { ...claims, exp: String(NOW + 60) },
      { ...claims, sub: 42 },
      { ...claims, iat: 1.5 },
      [claims],
    ]) {
      const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
      expect(verifyToken(`${body}.${hmac(body)}`, SECRET, 'operator', NOW)).toBeUndefined();
    }
  });
});
