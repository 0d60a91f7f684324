import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { loadConfig } from './core/config/app-config';
import { buildOpenApiDocument, sortKeys } from './openapi';

/**
 * Writes the OpenAPI document to the given file with sorted keys. Nest's preview mode builds
 * the module graph without creating providers, so no database is needed.
 */
async function main(): Promise<void> {
  const output = process.argv[2];
  if (!output) throw new Error('usage: openapi-cli <output.json>');
  // Nothing is signed here; the secret only satisfies production's config check.
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'unused-by-the-openapi-document-only',
  });
  const database = {
    url: 'postgres://unused@127.0.0.1:1/unused',
    kind: 'external' as const,
    poolSize: 1,
    connectTimeoutMs: 1,
    poolWaitMs: 1,
  };
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, database }),
    new FastifyAdapter(),
    {
      preview: true,
      logger: false,
      abortOnError: false,
    },
  );
  const document = sortKeys(buildOpenApiDocument(app));
  await mkdir(path.dirname(output), { recursive: true });
  await writeFile(output, `${JSON.stringify(document, null, 2)}\n`);
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
