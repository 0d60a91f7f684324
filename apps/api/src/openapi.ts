import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
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
    .build();
  // Controller method names are unique API-wide, so they serve as operationIds (client function names).
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorResponseDto],
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
  documentRateLimits(document);
  return document;
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
