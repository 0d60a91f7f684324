import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { accessFor, AccessLevel } from './core/auth/access-policy';
import { ErrorResponseDto } from './core/errors/error-response.dto';
import { documentRateLimits } from './modules/rate-limit/rate-limit-openapi';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('PromptDev API')
    .setDescription(
      'Prompt-engineering workbench for AI companion apps: versioned persona templates, ' +
        'per-user memory and state, chat, live monitoring and interventions. Every error has the ' +
        'shape of ErrorResponse.',
    )
    .setVersion('1.0.0')
    .addTag('health', 'Liveness and readiness')
    .addTag('templates', 'Personalities: versioned Nunjucks prompt templates')
    .addTag('memory', 'Per-user key/value memory and user state')
    .addTag('guardrails', 'Rules applied around the LLM call: configs, presets and their firings')
    .addTag('metrics', 'Prometheus metrics for scraping')
    .addTag('stats', 'Dashboard statistics, their hourly and daily rollups, and the LLM call log')
    .addTag('auth', 'Operator login; the token also arrives as the promptdev_session cookie')
    .addTag('operators', 'Operator accounts and roles (admins only)')
    .addTag('api-keys', "Integrators' API keys (admins only)")
    .addTag('audit', 'The audit trail: who changed what, when, from which request')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT, or an API key pdk_…',
        description: 'Operator token, API key (pdk_…) or chat token',
      },
      'bearer',
    )
    .addCookieAuth('promptdev_session', { type: 'apiKey', in: 'cookie' }, 'session')
    .build();
  // Controller method names are unique API-wide, so they serve as operationIds (client function names).
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorResponseDto],
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
  documentRateLimits(document);
  applySecurity(document);
  return document;
}

type Security = Array<Record<string, string[]>>;
interface Operation {
  security?: Security;
  description?: string;
  responses: Record<string, unknown>;
}

const CREDENTIALS: Security = [{ bearer: [] }, { session: [] }];
const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorResponseDto' };
const ACCESS_NOTES: Record<AccessLevel, string | undefined> = {
  public: undefined,
  session: 'Needs an operator login.',
  chat: 'Open to anyone with CHAT_AUTH=open (development); with CHAT_AUTH=token needs a chat token for this user, an API key or an operator.',
  chat_tokens: 'Needs a chat-scoped API key or an admin/operator login.',
  metrics: 'Needs an operator or an admin-scoped API key unless METRICS_PUBLIC=true.',
  staff: 'Needs an operator (viewers: reads only) or an admin-scoped API key.',
  admin: 'Needs an admin login.',
};

/** States on every operation what the auth guard enforces (core/auth/access-policy). */
function applySecurity(document: OpenAPIObject): void {
  document.security = CREDENTIALS;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item) as Array<[string, Operation]>) {
      if (typeof operation !== 'object' || !('responses' in operation)) continue;
      const access = accessFor(method, path);
      // `{}` = credentials optional (chat in open mode); `[]` = none needed.
      if (access === 'public') operation.security = [];
      else if (access === 'chat') operation.security = [{}, ...CREDENTIALS];
      else operation.security = CREDENTIALS;
      const note = ACCESS_NOTES[access];
      if (note === undefined) continue;
      operation.description = operation.description ? `${operation.description}\n\n${note}` : note;
      operation.responses['401'] ??= {
        description: 'unauthorized',
        content: { 'application/json': { schema: ERROR_SCHEMA } },
      };
      const forbidden =
        access === 'chat' ? 'forbidden, user_mismatch, override_not_allowed' : 'forbidden';
      operation.responses['403'] ??= {
        description: forbidden,
        content: { 'application/json': { schema: ERROR_SCHEMA } },
      };
    }
  }
}

export function setupSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'PromptDev API',
    swaggerOptions: { displayRequestDuration: true, docExpansion: 'none', tryItOutEnabled: true },
  });
}

/** Recursively sorts object keys so the committed document is byte-for-byte reproducible. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
