import helmet from '@fastify/helmet';
import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyError, FastifyReply, FastifyRequest, LogController } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { AppModule } from '../app.module';
import { setupSwagger } from '../openapi';
import { AppConfig } from './config/app-config';
import { DataSource } from 'typeorm';
import { DatabaseAvailability } from './database/database-availability';
import { DatabaseTarget } from './database/database-target';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { createValidationPipe } from './errors/validation';
import { installBodyLimits, installParameterGuard } from './http/input-guards';
import { registerJsonBodyParser } from './http/json-body';
import { requestIdFor } from './http/request-id';
import { serveWebApp } from './http/web-app';
import { createRootLogger, NestPinoLogger } from './logging/logger';
import { redactedUrl } from './logging/redact-url';
import { requestContext } from './logging/request-context';

export interface CreateAppOptions {
  config: AppConfig;
  database: DatabaseTarget;
  logger?: PinoLogger;
}

/**
 * Same-origin everything: the SPA under /app/ and Swagger UI at /docs load their scripts from
 * this server. Swagger UI sets inline styles and uses data: images; nothing runs inline script.
 * No upgrade-insecure-requests: it would break plain-HTTP development; TLS is the proxy's job.
 */
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  upgradeInsecureRequests: null,
};

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
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // user ids and memory keys may be 128 characters; Fastify's default stops at 100.
    routerOptions: { maxParamLength: 256 },
    // Errors Fastify answers itself (an undecodable URL…) get the documented shape too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const body = new AllExceptionsFilter().toBody(error, String(request.id));
      void reply.status(body.statusCode).send(body);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, database }),
    adapter,
    {
      logger: new NestPinoLogger(rootLogger),
      abortOnError: false,
      // JSON only, parsed by our own parser (registered in configureHttp).
      bodyParser: false,
    },
  );
  await app.register(fastifyCookie);
  await configureHttp(app, config, rootLogger);
  setupSwagger(app);
  await serveWebApp(app);
  await app.init();
  return app;
}

async function configureHttp(
  app: NestFastifyApplication,
  config: AppConfig,
  logger: PinoLogger,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonBodyParser(fastify, config.bodyMaxDepth);
  installBodyLimits(fastify, {
    defaultBytes: config.bodyLimitBytes,
    chatBytes: config.chatBodyLimitBytes,
  });
  // Before any route is added, so every response carries the headers.
  await app.register(helmet, { contentSecurityPolicy: { directives: CONTENT_SECURITY_POLICY } });
  // Set by the auth guard; declared up front so every request object has the same shape.
  fastify.decorateRequest('principal', null);

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
        url: redactedUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
    done();
  });

  installParameterGuard(fastify);

  app.useGlobalPipes(createValidationPipe());
  const database = new DatabaseAvailability(() => app.get(DataSource).query('SELECT 1'));
  fastify.addHook('onClose', (_instance, done) => {
    database.close();
    done();
  });
  app.useGlobalFilters(new AllExceptionsFilter(database));
  // Unset: no CORS headers at all, so only same-origin pages (the SPA under /app/) can call.
  if (config.corsOrigins.length > 0) {
    const anyOrigin = config.corsOrigins.includes('*');
    app.enableCors({
      origin: anyOrigin ? '*' : config.corsOrigins,
      // Cookies and Authorization only for named origins, never for "*".
      credentials: !anyOrigin,
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });
  }
}
