import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { DATABASE_TARGET, type DatabaseTarget } from './database-target';

/**
 * The chat turn's statements run as named prepared statements: the server parses and plans
 * each once per connection instead of once per turn. Only on a PostgreSQL server and outside a
 * transaction; the embedded server shares one session among its connections (names would
 * clash), and a transaction's statements must go through its own connection.
 */
@Injectable()
export class PreparedStatements {
  private readonly pool?: Pool;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(DATABASE_TARGET) target: DatabaseTarget,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {
    if (target.kind === 'external')
      this.pool = (dataSource.driver as PostgresDriver).master as Pool;
  }

  async query<Row>(name: string, text: string, values: unknown[]): Promise<Row[]> {
    if (!this.pool || this.txHost.isTransactionActive())
      return this.txHost.tx.query<Row[]>(text, values);
    try {
      return (await this.pool.query<Row & object>({ name, text, values })).rows;
    } catch (error) {
      // As TypeORM reports a failed statement, so error mapping sees one shape.
      if (error instanceof Error && 'severity' in error)
        throw new QueryFailedError(text, values, error);
      throw error;
    }
  }
}
