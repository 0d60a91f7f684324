import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './core/app-factory';
import { ConfigError, loadConfigFromProcess } from './core/config/app-config';
import { DataDirInUseError } from './core/database/data-dir-lock';
import { resolveDatabase } from './core/database/resolve-database';
import { startDevLlmIfNeeded } from './core/dev-llm-stub';
import { createRootLogger, NestPinoLogger } from './core/logging/logger';

async function main(): Promise<void> {
  const processConfig = loadConfigFromProcess();
  const rootLogger = createRootLogger(processConfig.logLevel);
  // One log format from the first line on, before Nest sets up its own logger.
  Logger.overrideLogger(new NestPinoLogger(rootLogger));
  const { config, stub } = await startDevLlmIfNeeded(processConfig);
  const database = await resolveDatabase(config);
  const app = await createApp({ config, database: database.target, logger: rootLogger });
  const logger = new Logger('Bootstrap');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, shutting down`);
    await app.close();
    await database.embedded?.stop();
    await stub?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  const shownHost = config.host === '0.0.0.0' ? 'localhost' : config.host;
  logger.log(`PromptDev API listening on http://${shownHost}:${config.port} (API docs at /docs)`);
}

main().catch((error: unknown) => {
  // Configuration problems are the operator's to fix: say exactly what, without a stack.
  const message =
    error instanceof ConfigError || error instanceof DataDirInUseError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`PromptDev failed to start: ${message}\n`);
  process.exit(1);
});
