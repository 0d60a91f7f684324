import type { OpenAPIObject } from '@nestjs/swagger';
import { isHealthRoute } from './rate-limit-rules';

/** Every limited operation may answer 429: documented once here rather than on each route. */
export function documentRateLimits(document: OpenAPIObject): void {
  for (const [path, operations] of Object.entries(document.paths)) {
    if (isHealthRoute(path)) continue;
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = operations[method];
      if (!operation) continue;
      operation.responses['429'] ??= {
        description: 'rate_limited: over a rate limit; retry after Retry-After seconds',
        headers: {
          'Retry-After': {
            description: 'Seconds until the limit allows the request again',
            schema: { type: 'integer' },
          },
        },
        content: {
          'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } },
        },
      };
    }
  }
}
