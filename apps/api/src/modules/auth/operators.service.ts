import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import type { OperatorRole } from '../../core/auth/principal';
import { AppConfig } from '../../core/config/app-config';
import {
  InvalidCredentialsError,
  OperatorExistsError,
  OperatorNotFoundError,
  SelfLockoutError,
} from './auth.errors';
import { OperatorEntity } from './entities/operator.entity';
import { PasswordHasher } from './password-hasher';

export const FIRST_ADMIN_USERNAME = 'admin';
const UNIQUE_VIOLATION = '23505';

@Injectable()
export class OperatorsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Operators');

  constructor(
    @InjectRepository(OperatorEntity) private readonly operators: Repository<OperatorEntity>,
    private readonly hasher: PasswordHasher,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.createFirstAdmin();
  }

  /**
   * With no operator at all, creates `admin`. Two instances starting together may both get here;
   * the insert only happens while the table is empty and the unique username lets one win, so
   * only the winner's (generated) password is stored and printed.
   */
  async createFirstAdmin(): Promise<boolean> {
    if ((await this.operators.count()) > 0) return false;
    const generated = this.config.adminPassword === undefined;
    const password = this.config.adminPassword ?? randomBytes(18).toString('base64url');
    const hash = await this.hasher.hash(password);
    const rows: unknown[] = await this.operators.query(
      `INSERT INTO operators (username, password_hash, role)
       SELECT $1, $2, 'admin' WHERE NOT EXISTS (SELECT 1 FROM operators)
       ON CONFLICT (username) DO NOTHING
       RETURNING id`,
      [FIRST_ADMIN_USERNAME, hash],
    );
    if (rows.length === 0) return false;
    if (generated) {
      this.logger.warn(
        `Created the first operator "${FIRST_ADMIN_USERNAME}" with the generated password ` +
          `${password} - it is shown only this once; log in and change it (or set ADMIN_PASSWORD)`,
      );
    } else {
      this.logger.log(`Created the first operator "${FIRST_ADMIN_USERNAME}" with ADMIN_PASSWORD`);
    }
    return true;
  }

  /** The operator for a username and password; the same error for every kind of failure. */
  async verifyLogin(username: string, password: string): Promise<OperatorEntity> {
    const operator = await this.operators.findOneBy({ username: username.toLowerCase() });
    if (!operator) {
      await this.hasher.verifyNothing(password);
      throw new InvalidCredentialsError();
    }
    const valid = await this.hasher.verify(operator.passwordHash, password);
    if (!valid || operator.disabledAt !== null) throw new InvalidCredentialsError();
    await this.operators.update(operator.id, { lastLoginAt: new Date() });
    return operator;
  }

  /** The operator a token names, if it is still enabled and the token not revoked. */
  async findForToken(operatorId: string, tokenVersion: number): Promise<OperatorEntity | null> {
    const operator = await this.operators.findOneBy({ id: operatorId });
    if (!operator || operator.disabledAt !== null || operator.tokenVersion !== tokenVersion) {
      return null;
    }
    return operator;
  }

  async get(operatorId: string): Promise<OperatorEntity> {
    const operator = await this.operators.findOneBy({ id: operatorId });
    if (!operator) throw new OperatorNotFoundError(operatorId);
    return operator;
  }

  list(): Promise<OperatorEntity[]> {
    return this.operators.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async create(username: string, password: string, role: OperatorRole): Promise<OperatorEntity> {
    const name = username.toLowerCase();
    try {
      return await this.operators.save(
        this.operators.create({
          username: name,
          passwordHash: await this.hasher.hash(password),
          role,
          tokenVersion: 0,
        }),
      );
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION)
        throw new OperatorExistsError(name);
      throw error;
    }
  }

  async changeRole(
    operatorId: string,
    role: OperatorRole,
    actingOperatorId?: string,
  ): Promise<OperatorEntity> {
    const operator = await this.get(operatorId);
    if (operatorId === actingOperatorId && role !== 'admin') throw new SelfLockoutError();
    operator.role = role;
    return this.operators.save(operator);
  }

  /** A new password also ends every session of that operator. */
  async resetPassword(operatorId: string, password: string): Promise<OperatorEntity> {
    const operator = await this.get(operatorId);
    operator.passwordHash = await this.hasher.hash(password);
    operator.tokenVersion += 1;
    return this.operators.save(operator);
  }

  async setDisabled(
    operatorId: string,
    disabled: boolean,
    actingOperatorId?: string,
  ): Promise<OperatorEntity> {
    const operator = await this.get(operatorId);
    if (disabled && operatorId === actingOperatorId) throw new SelfLockoutError();
    if (disabled && operator.disabledAt === null) {
      operator.disabledAt = new Date();
      operator.tokenVersion += 1;
    } else if (!disabled) {
      operator.disabledAt = null;
    }
    return this.operators.save(operator);
  }

  /** Revokes every token issued to the operator so far. */
  async revokeTokens(operatorId: string): Promise<void> {
    await this.operators.increment({ id: operatorId }, 'tokenVersion', 1);
  }
}
