import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id (the library's default algorithm) with OWASP's minimum recommended cost (19 MiB,
 * 2 passes), so a login stays ~tens of ms. @node-rs/argon2 ships prebuilt binaries without an
 * install script; the `argon2` package's prebuilt binary crashes Node 20 on these machines.
 */
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }

  /** Same work as a real check, for unknown usernames, so timing does not reveal which exist. */
  async verifyNothing(password: string): Promise<false> {
    this.dummyHash ??= this.hash('not a password of anyone');
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
