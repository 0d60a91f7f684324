import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { actorOf, CurrentPrincipal, type Principal } from '../../core/auth/principal';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import {
  ApiKeyDto,
  ApiKeyIdParamsDto,
  ApiKeyListDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  toApiKeyDto,
} from './dto/api-key.dto';
import { ApiKeysService } from './api-keys.service';

@ApiTags('api-keys')
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key (admins only)',
    description: 'The key (pdk_…) is in this response only; the server keeps just its hash.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'validation_failed' })
  async createApiKey(
    @Body() body: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedApiKeyDto> {
    const { key, secret } = await this.apiKeys.create(body.name, body.scopes, actorOf(principal));
    return { ...toApiKeyDto(key), key: secret };
  }

  @Get()
  @ApiOperation({ summary: 'All API keys, revoked ones included, newest first (admins only)' })
  @ApiOkResponse({ type: ApiKeyListDto })
  async listApiKeys(): Promise<ApiKeyListDto> {
    const keys = await this.apiKeys.list();
    return { count: keys.length, api_keys: keys.map(toApiKeyDto) };
  }

  @Delete(':api_key_id')
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once (admins only)' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'api_key_not_found' })
  async revokeApiKey(@Param() { api_key_id }: ApiKeyIdParamsDto): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.apiKeys.revoke(api_key_id));
  }
}
