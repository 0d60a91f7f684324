import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class HealthDto {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';
}

export class ReadinessCheckDto {
  @ApiProperty({ enum: ['ok', 'failed', 'degraded'], example: 'ok' })
  status!: 'ok' | 'failed' | 'degraded';

  @ApiPropertyOptional({
    enum: ['closed', 'open', 'half_open'],
    description: 'LLM circuit breaker state',
  })
  circuit?: string;

  @ApiPropertyOptional({ example: 2 })
  latency_ms?: number;

  @ApiPropertyOptional({ example: 0 })
  pending?: number;

  @ApiPropertyOptional({ example: 'database not reachable' })
  error?: string;
}

export class ReadinessDto {
  @ApiProperty({ example: 'ready' })
  status!: 'ready';

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ReadinessCheckDto' },
    example: {
      database: { status: 'ok', latency_ms: 1 },
      migrations: { status: 'ok', pending: 0 },
    },
  })
  checks!: Record<string, ReadinessCheckDto>;
}
