import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { ApiKeyScope } from '../../core/auth/principal';
import { ApiKeyNotFoundError } from './auth.errors';
import { ApiKeyEntity } from './entities/api-key.entity';

export const API_KEY_PREFIX = 'pdk_';
const SHOWN_PREFIX_LENGTH = 12;
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Keys are 256 random bits, so a plain SHA-256 is enough to store them: a slow password hash
 * protects guessable secrets, and nothing about a random key is guessable. It also lets a key be
 * found by its hash in one indexed lookup.
 */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

@Injectable()
export class ApiKeysService {
  /** When this instance last wrote last_used_at per key, so a busy key costs one write a minute. */
  private readonly lastTouched = new Map<string, number>();

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly audit: AuditService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  async create(
    name: string,
    scopes: ApiKeyScope[],
    createdBy: string,
  ): Promise<{ key: ApiKeyEntity; secret: string }> {
    const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const key = await this.txHost.withTransaction(async () => {
      const created = await this.txHost.tx.save(
        this.txHost.tx.create(ApiKeyEntity, {
          name,
          prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
          keyHash: hashApiKey(secret),
          scopes: [...new Set(scopes)].sort(),
          createdBy,
        }),
      );
      await this.audit.record({
        action: 'api_key.create',
        targetType: 'api_key',
        targetId: created.id,
        after: { name: created.name, prefix: created.prefix, scopes: created.scopes },
      });
      return created;
    });
    return { key, secret };
  }

  list(): Promise<ApiKeyEntity[]> {
    return this.keys.find({ order: { createdAt: 'DESC', id: 'ASC' } });
  }

  async revoke(keyId: string): Promise<ApiKeyEntity> {
    return this.txHost.withTransaction(async () => {
      const key = await this.txHost.tx.findOne(ApiKeyEntity, {
        where: { id: keyId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!key) throw new ApiKeyNotFoundError(keyId);
      const before = { revoked_at: key.revokedAt };
      if (key.revokedAt === null) {
        key.revokedAt = new Date();
        await this.txHost.tx.update(ApiKeyEntity, key.id, { revokedAt: key.revokedAt });
      }
      await this.audit.record({
        action: 'api_key.revoke',
        targetType: 'api_key',
        targetId: key.id,
        before: { name: key.name, prefix: key.prefix, ...before },
        after: { revoked_at: key.revokedAt },
      });
      return key;
    });
  }

  /** The live key for a presented secret, with its last use recorded (at most once a minute). */
  async authenticate(secret: string): Promise<ApiKeyEntity | null> {
    if (!secret.startsWith(API_KEY_PREFIX) || secret.length > 256) return null;
    const key = await this.keys.findOneBy({ keyHash: hashApiKey(secret) });
    if (!key || key.revokedAt !== null) return null;
    const now = Date.now();
    if (now - (this.lastTouched.get(key.id) ?? 0) >= LAST_USED_RESOLUTION_MS) {
      this.lastTouched.set(key.id, now);
      // Another instance may have just written it; the condition keeps that a no-op.
      await this.keys
        .createQueryBuilder()
        .update()
        .set({ lastUsedAt: () => 'now()' })
        .where('id = :id', { id: key.id })
        .andWhere("(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')")
        .execute();
    }
    return key;
  }
}
