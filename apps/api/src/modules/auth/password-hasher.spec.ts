import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id at the configured cost and verifies only the right password', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await expect(hasher.verify(stored, 'correct horse battery staple')).resolves.toBe(true);
    await expect(hasher.verify(stored, 'Correct horse battery staple')).resolves.toBe(false);
  });

  it('treats a malformed stored hash as a failed check, not an error', async () => {
    await expect(hasher.verify('not-a-hash', 'anything')).resolves.toBe(false);
    await expect(hasher.verifyNothing('anything')).resolves.toBe(false);
  });
});
