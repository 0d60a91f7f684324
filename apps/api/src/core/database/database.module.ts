import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseTarget } from './database-target';
import { dataSourceOptions, openDataSource } from './data-source-options';

export const DATABASE_TARGET = 'DATABASE_TARGET';

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
      ],
      providers: [{ provide: DATABASE_TARGET, useValue: target }],
      exports: [DATABASE_TARGET],
    };
  }
}
