import { Controller, Delete, Get, Param, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import {
  ClearedMemoryDto,
  DeletedMemoryKeyDto,
  MemoryEntryDto,
  SetMemoryValueBody,
  SetMemoryValueDto,
  toMemoryEntryDto,
  UserMemoryDto,
} from './dto/memory.dto';
import { MemoryKeyParamsDto, UserIdParamsDto } from './dto/user-params.dto';
import { MemoryService } from './memory.service';

const INVALID_PARAMS = {
  type: ErrorResponseDto,
  description: 'validation_failed: details.fields names user_id or key',
};
const KEY_NOT_FOUND = { type: ErrorResponseDto, description: 'memory_key_not_found' };

@ApiTags('memory')
@Controller('admin/memory')
export class MemoryController {
  constructor(private readonly memory: MemoryService) {}

  @Get(':user_id')
  @ApiOperation({ summary: "All of a user's memory as {key: value}" })
  @ApiOkResponse({ type: UserMemoryDto })
  @ApiUnprocessableEntityResponse(INVALID_PARAMS)
  async getUserMemory(@Param() { user_id }: UserIdParamsDto): Promise<UserMemoryDto> {
    return { user_id, memory: await this.memory.getMemory(user_id) };
  }

  @Get(':user_id/:key')
  @ApiOperation({ summary: 'One memory key with its value' })
  @ApiOkResponse({ type: MemoryEntryDto })
  @ApiNotFoundResponse(KEY_NOT_FOUND)
  @ApiUnprocessableEntityResponse(INVALID_PARAMS)
  async getUserMemoryKey(@Param() { user_id, key }: MemoryKeyParamsDto): Promise<MemoryEntryDto> {
    return toMemoryEntryDto(await this.memory.getKey(user_id, key));
  }

  @Put(':user_id/:key')
  @ApiOperation({
    summary: 'Create or replace a memory key',
    description: 'The value is any JSON (null included); memory_id stays the same on replace.',
  })
  @ApiBody({ type: SetMemoryValueDto })
  @ApiOkResponse({ type: MemoryEntryDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'malformed_json' })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description:
      'validation_failed: bad user_id or key, value missing, too large or too deep, or an ' +
      'unknown body field; details.fields says which',
  })
  async setUserMemory(
    @Param() { user_id, key }: MemoryKeyParamsDto,
    @SetMemoryValueBody() { value }: SetMemoryValueDto,
  ): Promise<MemoryEntryDto> {
    return toMemoryEntryDto(await this.memory.setKey(user_id, key, value));
  }

  @Delete(':user_id/:key')
  @ApiOperation({ summary: 'Forget one memory key' })
  @ApiOkResponse({ type: DeletedMemoryKeyDto })
  @ApiNotFoundResponse(KEY_NOT_FOUND)
  @ApiUnprocessableEntityResponse(INVALID_PARAMS)
  async deleteUserMemoryKey(
    @Param() { user_id, key }: MemoryKeyParamsDto,
  ): Promise<DeletedMemoryKeyDto> {
    await this.memory.deleteKey(user_id, key);
    return { user_id, key, deleted: true };
  }

  @Delete(':user_id')
  @ApiOperation({ summary: "Forget all of a user's memory" })
  @ApiOkResponse({ type: ClearedMemoryDto })
  @ApiUnprocessableEntityResponse(INVALID_PARAMS)
  async clearUserMemory(@Param() { user_id }: UserIdParamsDto): Promise<ClearedMemoryDto> {
    return { user_id, deleted_count: await this.memory.clear(user_id) };
  }
}
