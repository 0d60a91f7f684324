import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { DataSource } from 'typeorm';
import { DATABASE_TARGET, DatabaseTarget } from './database-target';
import { dataSourceOptions, openDataSource } from './data-source-options';
import { PreparedStatements } from './prepared-statements';

export { DATABASE_TARGET };

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(target: DatabaseTarget): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(target), autoLoadEntities: true }),
          dataSourceFactory: async (options) => openDataSource(options!, target),
        }),
        // The unit of work: a TransactionHost whose `tx` is the manager of the transaction that
        // `withTransaction` opened in this async context, else the default manager. Nothing is
        // mounted per request: `withTransaction` opens its own context, in requests and jobs alike.
        ClsModule.forRoot({
          global: true,
          plugins: [
            new ClsPluginTransactional({
              adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }),
            }),
          ],
        }),
      ],
      providers: [{ provide: DATABASE_TARGET, useValue: target }, PreparedStatements],
      exports: [DATABASE_TARGET, PreparedStatements],
    };
  }
}
