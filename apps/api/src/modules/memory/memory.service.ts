import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { excerpt } from '../audit/audit-summary';
import { UserMemoryEntity } from './entities/user-memory.entity';
import { entityColumns } from '../../core/database/entity-columns';
import { InvalidMemoryValueError, MemoryKeyNotFoundError } from './memory.errors';
import { JsonValue, memoryValueProblem } from './memory-value';

/** Per-user key/value memory; values are any JSON and come back exactly as stored. */
@Injectable()
export class MemoryService {
  constructor(
    @InjectRepository(UserMemoryEntity) private readonly memories: Repository<UserMemoryEntity>,
    private readonly audit: AuditService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  private readonly returning = entityColumns(this.memories.metadata);

  /** Every key of the user in key order; an empty object for a user with none. */
  async getMemory(userId: string): Promise<Record<string, unknown>> {
    const rows = await this.memories.find({ where: { userId }, order: { key: 'ASC' } });
    // fromEntries defines own properties, so no key can reach the object's prototype.
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }

  async getKey(userId: string, key: string): Promise<UserMemoryEntity> {
    const memory = await this.memories.findOneBy({ userId, key });
    if (!memory) throw new MemoryKeyNotFoundError(userId, key);
    return memory;
  }

  /** Creates or replaces the key in one statement; the memory id stays the same on updates. */
  async setKey(userId: string, key: string, value: JsonValue): Promise<UserMemoryEntity> {
    const problem = memoryValueProblem(value);
    if (problem) throw new InvalidMemoryValueError(problem);
    return this.txHost.withTransaction(async () => {
      const previous = await this.txHost.tx.findOneBy(UserMemoryEntity, { userId, key });
      const rows = await this.txHost.tx.query<UserMemoryEntity[]>(
        `INSERT INTO user_memory (user_id, key, value)
         VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (user_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
         RETURNING ${this.returning}`,
        [userId, key, JSON.stringify(value)],
      );
      await this.audit.record({
        action: 'memory.put',
        targetType: 'memory',
        targetId: `${userId}/${key}`,
        before: previous ? { value: valueExcerpt(previous.value) } : null,
        after: { value: valueExcerpt(value) },
      });
      // An upsert always returns its row.
      return this.memories.create(rows[0]!);
    });
  }

  async deleteKey(userId: string, key: string): Promise<void> {
    await this.txHost.withTransaction(async () => {
      const previous = await this.txHost.tx.findOneBy(UserMemoryEntity, { userId, key });
      if (!previous) throw new MemoryKeyNotFoundError(userId, key);
      await this.txHost.tx.delete(UserMemoryEntity, { userId, key });
      await this.audit.record({
        action: 'memory.delete',
        targetType: 'memory',
        targetId: `${userId}/${key}`,
        before: { value: valueExcerpt(previous.value) },
      });
    });
  }

  /** Removes every key of the user; returns how many there were. */
  async clear(userId: string): Promise<number> {
    return this.txHost.withTransaction(async () => {
      const { affected } = await this.txHost.tx.delete(UserMemoryEntity, { userId });
      await this.audit.record({
        action: 'memory.clear',
        targetType: 'user',
        targetId: userId,
        after: { deleted_count: affected ?? 0 },
      });
      return affected ?? 0;
    });
  }
}

/** Memory values are the end user's data: the trail keeps a short excerpt, never all of it. */
function valueExcerpt(value: unknown): string {
  return excerpt(JSON.stringify(value) ?? 'null', 100);
}
