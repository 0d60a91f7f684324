import { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '../../src/core/database/database-errors';
import { dataSourceOptions } from '../../src/core/database/data-source-options';
import type { DatabaseTarget } from '../../src/core/database/database-target';
import { createTestDatabase, TestDatabase } from '../setup/test-database';

describe('waiting for a pooled connection', () => {
  let database: TestDatabase;
  const open: DataSource[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const dataSource of open.splice(0)) await dataSource.destroy();
  });
  afterAll(() => database.drop());

  /** A pool of one whose connections must connect within 200 ms. */
  async function poolOfOne(poolWaitMs: number): Promise<DataSource> {
    const target: DatabaseTarget = {
      ...database.target,
      poolSize: 1,
      connectTimeoutMs: 200,
      poolWaitMs,
    };
    const dataSource = await new DataSource(dataSourceOptions(target)).initialize();
    open.push(dataSource);
    return dataSource;
  }

  it('queues a statement behind a busy connection for longer than the connect timeout', async () => {
    const dataSource = await poolOfOne(5000);
    const [slow, queued] = await Promise.all([
      dataSource.query('SELECT pg_sleep(0.6) AS slept'),
      dataSource.query('SELECT 1 AS one'),
    ]);
    expect(slow).toEqual([{ slept: '' }]);
    expect(queued).toEqual([{ one: 1 }]);
  });

  it('fails as database unavailable once the pool wait is over', async () => {
    const dataSource = await poolOfOne(200);
    const slow = dataSource.query('SELECT pg_sleep(0.6)');
    const queued = dataSource.query('SELECT 1 AS one').then(
      () => undefined,
      (error: unknown) => error,
    );
    const error = await queued;
    expect(error).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(error)).toBe(true);
    await slow;
    // The connection is fine again once it is free.
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
