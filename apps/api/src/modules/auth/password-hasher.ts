import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/** argon2id with OWASP's minimum recommended cost (19 MiB, 2 passes), so a login stays ~tens of ms. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
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
