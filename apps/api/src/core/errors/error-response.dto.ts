import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 422 })
  statusCode!: number;

  @ApiProperty({ example: 'validation_failed', description: 'Stable snake_case code for programs' })
  code!: string;

  @ApiProperty({ example: 'Validation failed: name must be 1 to 100 characters' })
  message!: string;

  @ApiProperty({
    description: 'Same sentence as message (kept for clients of the original product)',
  })
  detail!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { fields: [{ field: 'name', errors: ['name must be 1 to 100 characters'] }] },
  })
  details!: Record<string, unknown>;

  @ApiProperty({ example: '0f8d3c1e-6a4b-4f7e-9d51-2f3c8a9b7e10' })
  requestId!: string;
}
