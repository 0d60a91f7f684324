import type { DataSource, EntityManager } from 'typeorm';

/**
 * Deletes at most `limit` rows created before `cutoff`, oldest first, and returns how many.
 * Bounded statements keep locks and WAL bursts small; callers repeat until fewer come back.
 * `table` is always a module's own constant, never input.
 */
export async function deleteBatchOlderThan(
  db: DataSource | EntityManager,
  table: string,
  cutoff: Date,
  limit: number,
): Promise<number> {
  const [{ deleted }] = await db.query<[{ deleted: number }]>(
    `WITH gone AS (
       DELETE FROM ${table} WHERE id IN (
         SELECT id FROM ${table} WHERE created_at < $1 ORDER BY created_at, id LIMIT $2
       ) RETURNING 1
     ) SELECT count(*)::int AS deleted FROM gone`,
    [cutoff, limit],
  );
  return deleted;
}
