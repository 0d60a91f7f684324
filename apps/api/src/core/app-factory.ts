import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { AppModule } from '../app.module';
import { setupSwagger } from '../openapi';
import { AppConfig } from './config/app-config';
import { DatabaseTarget } from './database/database-target';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { createValidationPipe } from './errors/validation';
import { requestIdFor } from './http/request-id';
import { serveWebApp } from './http/web-app';
import { createRootLogger, NestPinoLogger } from './logging/logger';
import { requestContext } from './logging/request-context';

export interface CreateAppOptions {
  config: AppConfig;
  database: DatabaseTarget;
  logger?: PinoLogger;
}

const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the fully configured application; used by main.ts, the OpenAPI script and tests. */
export async function createApp({
  config,
  database,
  logger,
}: CreateAppOptions): Promise<NestFastifyApplication> {
  const rootLogger = logger ?? createRootLogger(config.logLevel);
  const adapter = new FastifyAdapter({
    loggerInstance: rootLogger,
    genReqId: requestIdFor,
    // One line per request, written by our onResponse hook.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: true,
    // user ids and memory keys may be 128 characters; Fastify's default stops at 100.
    routerOptions: { maxParamLength: 256 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, database }),
    adapter,
    {
      logger: new NestPinoLogger(rootLogger),
      abortOnError: false,
    },
  );
  configureHttp(app, config, rootLogger);
  setupSwagger(app);
  await serveWebApp(app);
  await app.init();
  return app;
}

function configureHttp(app: NestFastifyApplication, config: AppConfig, logger: PinoLogger): void {
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    requestContext.enterWith({ requestId: request.id });
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    logger.info(
      {
        reqId: request.id,
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
    done();
  });

  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      credentials: true,
    });
  }
}
