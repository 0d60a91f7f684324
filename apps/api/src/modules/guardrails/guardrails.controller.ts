import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import {
  CreateGuardrailConfigDto,
  DeletedGuardrailConfigDto,
  GuardrailConfigDto,
  GuardrailConfigListDto,
  GuardrailPresetListDto,
  RawRules,
  UpdateGuardrailConfigDto,
  UpdatedGuardrailConfigDto,
} from './dto/guardrail-config.dto';
import { GuardrailEventDto, GuardrailEventListDto } from './dto/guardrail-event.dto';
import {
  DEFAULT_EVENT_PAGE,
  DeleteGuardrailConfigQuery,
  GuardrailConfigIdParams,
  GuardrailNameParams,
  ListGuardrailConfigsQuery,
  ListGuardrailEventsQuery,
} from './dto/guardrail-params.dto';
import { RULE_MODELS } from './dto/guardrail-rule.dto';
import { GuardrailsService } from './guardrails.service';

const VALIDATION_FAILED = {
  status: 422,
  type: ErrorResponseDto,
  description: 'validation_failed: details.fields lists each bad, missing or unknown field and why',
};
const MALFORMED_JSON = {
  status: 400,
  type: ErrorResponseDto,
  description: 'malformed_json: the body is not valid JSON',
};
const NOT_FOUND = {
  status: 404,
  type: ErrorResponseDto,
  description: 'guardrail_not_found: no config with this id',
};
const RULES_INVALID = {
  ...VALIDATION_FAILED,
  description: `${VALIDATION_FAILED.description}; a malformed rule is named like rules[2].pattern`,
};

@ApiTags('guardrails')
@ApiExtraModels(...RULE_MODELS)
@Controller('admin/guardrails')
export class GuardrailsController {
  constructor(private readonly guardrails: GuardrailsService) {}

  @Get()
  @ApiOperation({
    summary: 'List guardrail configs, presets included (active only unless include_inactive=true)',
  })
  @ApiOkResponse({ type: GuardrailConfigListDto })
  @ApiResponse(VALIDATION_FAILED)
  async listGuardrailConfigs(
    @Query() { include_inactive }: ListGuardrailConfigsQuery,
  ): Promise<GuardrailConfigListDto> {
    const configs = await this.guardrails.list({ includeInactive: include_inactive });
    return {
      count: configs.length,
      configs: configs.map((config) => GuardrailConfigDto.from(config)),
    };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a guardrail config; every rule is checked' })
  @ApiCreatedResponse({ type: GuardrailConfigDto })
  @ApiResponse(MALFORMED_JSON)
  @ApiResponse({
    status: 409,
    type: ErrorResponseDto,
    description: 'guardrail_exists: a config with this name exists (maybe inactive)',
  })
  @ApiResponse(RULES_INVALID)
  async createGuardrailConfig(
    @Body() body: CreateGuardrailConfigDto,
    @RawRules() rules: unknown,
  ): Promise<GuardrailConfigDto> {
    const config = await this.guardrails.create({
      name: body.name,
      description: body.description,
      rules,
      fallbackMessage: body.fallback_message,
      isActive: body.is_active,
      createdBy: body.created_by,
    });
    return GuardrailConfigDto.from(config);
  }

  // Static paths before /:name, so they are never read as config names.
  @Get('presets')
  @ApiOperation({ summary: 'The presets (unrestricted, research_safe, clinical), active or not' })
  @ApiOkResponse({ type: GuardrailPresetListDto })
  async listGuardrailPresets(): Promise<GuardrailPresetListDto> {
    const presets = await this.guardrails.presets();
    return {
      presets: presets.map((config) => config.name),
      configs: presets.map((config) => GuardrailConfigDto.from(config)),
    };
  }

  @Get('events')
  @ApiOperation({ summary: 'Rules that fired, newest first, optionally for one user' })
  @ApiOkResponse({ type: GuardrailEventListDto })
  @ApiResponse({
    ...VALIDATION_FAILED,
    description: `${VALIDATION_FAILED.description} (a cursor not from this list is one)`,
  })
  async listGuardrailEvents(
    @Query() { user_id, limit, cursor }: ListGuardrailEventsQuery,
  ): Promise<GuardrailEventListDto> {
    const page = await this.guardrails.listEvents({
      userId: user_id,
      limit: limit ?? DEFAULT_EVENT_PAGE,
      cursor,
    });
    return {
      count: page.events.length,
      events: page.events.map((event) => GuardrailEventDto.from(event)),
      next_cursor: page.nextCursor,
    };
  }

  @Get('id/:config_id')
  @ApiOperation({ summary: 'A guardrail config by id, with its rules' })
  @ApiOkResponse({ type: GuardrailConfigDto })
  @ApiResponse(NOT_FOUND)
  @ApiResponse(VALIDATION_FAILED)
  async getGuardrailConfigById(
    @Param() { config_id }: GuardrailConfigIdParams,
  ): Promise<GuardrailConfigDto> {
    return GuardrailConfigDto.from(await this.guardrails.getById(config_id));
  }

  @Get(':name')
  @ApiOperation({ summary: 'A guardrail config by name, with its rules (inactive ones too)' })
  @ApiOkResponse({ type: GuardrailConfigDto })
  @ApiResponse({ ...NOT_FOUND, description: 'guardrail_not_found: no config with this name' })
  @ApiResponse(VALIDATION_FAILED)
  async getGuardrailConfig(@Param() { name }: GuardrailNameParams): Promise<GuardrailConfigDto> {
    return GuardrailConfigDto.from(await this.guardrails.getByName(name));
  }

  @Put(':config_id')
  @ApiOperation({
    summary: 'Change rules, description, fallback message or activation (presets too)',
    description: 'Fields not given stay as they are; rules, when given, replace all rules.',
  })
  @ApiOkResponse({ type: UpdatedGuardrailConfigDto })
  @ApiResponse(MALFORMED_JSON)
  @ApiResponse(NOT_FOUND)
  @ApiResponse(RULES_INVALID)
  async updateGuardrailConfig(
    @Param() { config_id }: GuardrailConfigIdParams,
    @Body() body: UpdateGuardrailConfigDto,
    @RawRules() rules: unknown,
  ): Promise<UpdatedGuardrailConfigDto> {
    const config = await this.guardrails.update(config_id, {
      rules,
      description: body.description,
      isActive: body.is_active,
      fallbackMessage: body.fallback_message,
      updatedBy: body.updated_by,
    });
    return { message: 'Config updated', config: GuardrailConfigDto.from(config) };
  }

  @Delete(':config_id')
  @ApiOperation({
    summary: 'Deactivate (soft, the default) or delete a guardrail config',
    description: 'Presets can be deactivated but not deleted. Recorded events are kept.',
  })
  @ApiOkResponse({ type: DeletedGuardrailConfigDto })
  @ApiResponse(NOT_FOUND)
  @ApiResponse({
    status: 409,
    type: ErrorResponseDto,
    description: 'guardrail_is_preset: presets cannot be deleted (soft=false)',
  })
  @ApiResponse(VALIDATION_FAILED)
  async deleteGuardrailConfig(
    @Param() { config_id }: GuardrailConfigIdParams,
    @Query() { soft = true }: DeleteGuardrailConfigQuery,
  ): Promise<DeletedGuardrailConfigDto> {
    const { config, outcome } = await this.guardrails.remove(config_id, { soft });
    return {
      message: outcome === 'deleted' ? 'Config deleted' : 'Config deactivated',
      config_id: config.id,
      name: config.name,
    };
  }
}
