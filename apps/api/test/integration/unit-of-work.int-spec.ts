import { TransactionHost, TransactionNotActiveError } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { AuditService } from '../../src/modules/audit/audit.service';
import { InterventionsService } from '../../src/modules/interventions/interventions.service';
import { MemoryService } from '../../src/modules/memory/memory.service';
import { aUserId } from '../factories/memory';
import { startTestApp, TestApp } from '../setup/test-app';

class DoomedChange extends Error {}

describe('one unit of work across modules', () => {
  let api: TestApp;
  let txHost: TransactionHost<TransactionalAdapterTypeOrm>;
  let memory: MemoryService;
  let interventions: InterventionsService;
  let audit: AuditService;

  beforeAll(async () => {
    api = await startTestApp();
    txHost = api.app.get<TransactionHost<TransactionalAdapterTypeOrm>>(TransactionHost);
    memory = api.app.get(MemoryService);
    interventions = api.app.get(InterventionsService);
    audit = api.app.get(AuditService);
  });
  afterAll(() => api.close());

  const auditRowsOf = (userId: string) =>
    api.sql('SELECT action FROM audit_log WHERE target_id IN ($1, $2) ORDER BY id', [
      userId,
      `${userId}/mood`,
    ]);

  it('keeps the writes and audit rows of every service called in a transaction, or none', async () => {
    const userId = aUserId('uow');
    const seenInside: unknown[] = [];
    await expect(
      txHost.withTransaction(async () => {
        await memory.setKey(userId, 'mood', 'calm');
        await interventions.halt(userId, 'alice', 'testing');
        // Read on the transaction's own connection: the other one would wait on a pool of one.
        seenInside.push(
          await txHost.tx.query(
            'SELECT action FROM audit_log WHERE target_id IN ($1, $2) ORDER BY id',
            [userId, `${userId}/mood`],
          ),
        );
        throw new DoomedChange();
      }),
    ).rejects.toBeInstanceOf(DoomedChange);

    expect(seenInside).toEqual([[{ action: 'memory.put' }, { action: 'user.halt' }]]);
    expect(await auditRowsOf(userId)).toEqual([]);
    expect(await api.sql('SELECT 1 FROM user_memory WHERE user_id = $1', [userId])).toEqual([]);
    expect(await api.sql('SELECT 1 FROM user_state WHERE user_id = $1', [userId])).toEqual([]);
    expect(await api.sql('SELECT 1 FROM interventions WHERE user_id = $1', [userId])).toEqual([]);

    await txHost.withTransaction(async () => {
      await memory.setKey(userId, 'mood', 'calm');
      await interventions.halt(userId, 'alice', 'testing');
    });
    expect(await auditRowsOf(userId)).toEqual([{ action: 'memory.put' }, { action: 'user.halt' }]);
  });

  it('refuses to audit a change outside the transaction that makes it', async () => {
    const userId = aUserId('uow');
    await expect(
      audit.record({ action: 'memory.put', targetType: 'memory', targetId: `${userId}/mood` }),
    ).rejects.toBeInstanceOf(TransactionNotActiveError);
    expect(await auditRowsOf(userId)).toEqual([]);
  });
});
