import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfigFromProcess } from './core/config/app-config';
import { dataSourceOptions, runMigrations } from './core/database/data-source-options';
import { resolveDatabase } from './core/database/resolve-database';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
async function main(): Promise<void> {
  const config = loadConfigFromProcess();
  const database = await resolveDatabase(config);
  const dataSource = await new DataSource(dataSourceOptions(database.target)).initialize();
  try {
    const before = await dataSource.showMigrations();
    await runMigrations(dataSource, database.target);
    process.stdout.write(before ? 'migrations applied\n' : 'database already up to date\n');
  } finally {
    await dataSource.destroy();
    await database.embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `migration failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
