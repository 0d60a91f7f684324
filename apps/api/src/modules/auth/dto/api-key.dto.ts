import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsString,
  IsUUID,
  Length,
} from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../core/auth/principal';
import type { ApiKeyEntity } from '../entities/api-key.entity';

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'companion-app' }) name!: string;
  @ApiProperty({
    description: 'The first characters of the key, to recognise it',
    example: 'pdk_3kF9aQ2x',
  })
  prefix!: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['chat'] }) scopes!: ApiKeyScope[];
  @ApiProperty({ example: 'operator:admin' }) created_by!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'To the minute' })
  last_used_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revoked_at!: string | null;
}

export function toApiKeyDto(key: ApiKeyEntity): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    created_by: key.createdBy,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself; shown only in this response', example: 'pdk_…' })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty() count!: number;
  @ApiProperty({ type: [ApiKeyDto] }) api_keys!: ApiKeyDto[];
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'companion-app' })
  @IsString()
  @Length(1, 128)
  name!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['chat'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes!: ApiKeyScope[];
}

export class ApiKeyIdParamsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  api_key_id!: string;
}
