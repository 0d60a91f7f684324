import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
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
type AuditFields = Record<string, unknown>;
const UNIQUE_VIOLATION = '23505';

@Injectable()
export class OperatorsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Operators');

  constructor(
    @InjectRepository(OperatorEntity) private readonly operators: Repository<OperatorEntity>,
    private readonly hasher: PasswordHasher,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
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
    const created = await this.txHost.withTransaction(async () => {
      const rows = await this.txHost.tx.query<Array<{ id: string }>>(
        `INSERT INTO operators (username, password_hash, role)
         SELECT $1, $2, 'admin' WHERE NOT EXISTS (SELECT 1 FROM operators)
         ON CONFLICT (username) DO NOTHING
         RETURNING id`,
        [FIRST_ADMIN_USERNAME, hash],
      );
      const id = rows[0]?.id;
      if (id === undefined) return false;
      await this.audit.record({
        action: 'operator.create',
        targetType: 'operator',
        targetId: id,
        after: { username: FIRST_ADMIN_USERNAME, role: 'admin' },
      });
      return true;
    });
    if (!created) return false;
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
    const name = username.toLowerCase();
    const operator = await this.operators.findOneBy({ username: name });
    const valid = operator
      ? await this.hasher.verify(operator.passwordHash, password)
      : await this.hasher.verifyNothing(password);
    if (!operator || !valid || operator.disabledAt !== null) {
      // The login rate limit bounds how many of these one client can write.
      await this.audit.recordEvent({
        action: 'auth.login_failed',
        targetType: 'operator',
        targetId: operator?.id ?? null,
        after: { username: name },
      });
      throw new InvalidCredentialsError();
    }
    await this.txHost.withTransaction(async () => {
      await this.txHost.tx.update(OperatorEntity, operator.id, { lastLoginAt: new Date() });
      await this.audit.record({
        action: 'auth.login',
        targetType: 'operator',
        targetId: operator.id,
        actor: `operator:${operator.username}`,
      });
    });
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
    const passwordHash = await this.hasher.hash(password);
    try {
      return await this.txHost.withTransaction(async () => {
        const operator = await this.txHost.tx.save(
          this.txHost.tx.create(OperatorEntity, {
            username: name,
            passwordHash,
            role,
            tokenVersion: 0,
          }),
        );
        await this.recordChange('operator.create', operator, null, {
          username: name,
          role,
        });
        return operator;
      });
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
    if (operatorId === actingOperatorId && role !== 'admin') throw new SelfLockoutError();
    return this.change(operatorId, 'operator.change_role', (operator) => {
      const before = { role: operator.role };
      operator.role = role;
      return { before, after: { role } };
    });
  }

  /** A new password also ends every session of that operator. */
  async resetPassword(operatorId: string, password: string): Promise<OperatorEntity> {
    const passwordHash = await this.hasher.hash(password);
    return this.change(operatorId, 'operator.reset_password', (operator) => {
      operator.passwordHash = passwordHash;
      operator.tokenVersion += 1;
      return { before: null, after: { password_changed: true, sessions_ended: true } };
    });
  }

  async setDisabled(
    operatorId: string,
    disabled: boolean,
    actingOperatorId?: string,
  ): Promise<OperatorEntity> {
    if (disabled && operatorId === actingOperatorId) throw new SelfLockoutError();
    return this.change(operatorId, 'operator.set_disabled', (operator) => {
      const before = { disabled: operator.disabledAt !== null };
      if (disabled && operator.disabledAt === null) {
        operator.disabledAt = new Date();
        operator.tokenVersion += 1;
      } else if (!disabled) {
        operator.disabledAt = null;
      }
      return { before, after: { disabled } };
    });
  }

  /** Revokes every token issued to the operator so far. */
  async revokeTokens(operatorId: string): Promise<void> {
    await this.txHost.withTransaction(async () => {
      await this.txHost.tx.increment(OperatorEntity, { id: operatorId }, 'tokenVersion', 1);
      await this.audit.record({
        action: 'auth.logout',
        targetType: 'operator',
        targetId: operatorId,
        after: { sessions_ended: true },
      });
    });
  }

  /** Changes one operator with its row locked, and records what changed. */
  private change(
    operatorId: string,
    action: string,
    apply: (operator: OperatorEntity) => { before: AuditFields | null; after: AuditFields },
  ): Promise<OperatorEntity> {
    return this.txHost.withTransaction(async () => {
      const operator = await this.txHost.tx.findOne(OperatorEntity, {
        where: { id: operatorId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!operator) throw new OperatorNotFoundError(operatorId);
      const { before, after } = apply(operator);
      const saved = await this.txHost.tx.save(operator);
      await this.recordChange(action, saved, before, after);
      return saved;
    });
  }

  private recordChange(
    action: string,
    operator: OperatorEntity,
    before: AuditFields | null,
    after: AuditFields,
  ): Promise<void> {
    return this.audit.record({
      action,
      targetType: 'operator',
      targetId: operator.id,
      before: before && { username: operator.username, ...before },
      after: { username: operator.username, ...after },
    });
  }
}
