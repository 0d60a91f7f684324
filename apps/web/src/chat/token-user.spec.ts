import { tokenUserId } from './chat-screen';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('tokenUserId', () => {
  it('reads the user a chat token was minted for', () => {
    const token = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ typ: 'end_user', sub: 'ü-user_42', exp: 1 })}.sig`;
    expect(tokenUserId(token)).toBe('ü-user_42');
  });

  it('gives up on anything that is not a token', () => {
    expect(tokenUserId('')).toBeUndefined();
    expect(tokenUserId('abc')).toBeUndefined();
    expect(tokenUserId('a.%%%.c')).toBeUndefined();
    expect(tokenUserId(`a.${encode({ sub: 7 })}.c`)).toBeUndefined();
  });
});
