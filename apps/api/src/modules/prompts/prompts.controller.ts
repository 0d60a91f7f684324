import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  ApiErrorResponses,
  MALFORMED_JSON,
  TEMPLATE_NOT_FOUND,
  VALIDATION_FAILED,
} from './api-error-responses';
import { CreateTemplateDto, PreviewTemplateDto, UpdateTemplateDto } from './dto/template-input.dto';
import {
  RollbackResultDto,
  TemplateDiffDto,
  TemplateDto,
  TemplateHistoryDto,
  TemplateListDto,
  TemplatePreviewDto,
  TemplateStatusDto,
  TemplateSummaryDto,
  TemplateVersionDto,
  UpdateTemplateResultDto,
} from './dto/template-output.dto';
import {
  ChangedByQuery,
  DiffQuery,
  ListTemplatesQuery,
  TemplateIdParams,
  TemplateVersionParams,
} from './dto/template-params.dto';
import { PromptsService } from './prompts.service';
import { MAX_DIFF_EDITS } from './template-diff';
import { TemplatePreviewService } from './template-preview.service';

const TEMPLATE_INVALID =
  'template_invalid: the content does not compile, uses what templates cannot (another ' +
  'template, an unknown filter or test), fails to render or exceeds a render budget; ' +
  'details: {line, column, reason, kind, budget?}';

@ApiTags('templates')
@Controller('admin/templates')
export class PromptsController {
  constructor(
    private readonly prompts: PromptsService,
    private readonly previews: TemplatePreviewService,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listTemplates',
    summary: 'List templates (active only unless include_inactive=true), oldest first',
  })
  @ApiOkResponse({ type: TemplateListDto })
  @ApiErrorResponses({ 422: VALIDATION_FAILED })
  async listTemplates(@Query() query: ListTemplatesQuery): Promise<TemplateListDto> {
    const page = await this.prompts.listTemplates({
      includeInactive: query.include_inactive,
      limit: query.limit,
      cursor: query.cursor,
    });
    return {
      count: page.count,
      templates: page.templates.map((template) => TemplateSummaryDto.from(template)),
      next_cursor: page.nextCursor,
    };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createTemplate',
    summary: 'Create a template (version 1); the first template becomes the default',
  })
  @ApiCreatedResponse({ type: TemplateDto })
  @ApiErrorResponses({
    400: MALFORMED_JSON,
    409: 'template_exists: a template with this name exists',
    422: `${VALIDATION_FAILED} (config keys as config.<key>); or ${TEMPLATE_INVALID}`,
  })
  async createTemplate(@Body() body: CreateTemplateDto): Promise<TemplateDto> {
    const { template, version } = await this.prompts.createTemplate({
      name: body.name,
      content: body.content,
      createdBy: body.created_by,
      config: body.config,
    });
    return TemplateDto.fromVersion(template, version);
  }

  @Get(':name')
  @ApiOperation({
    operationId: 'getTemplate',
    summary: 'A template by name, with its current version',
  })
  @ApiParam({ name: 'name', example: 'nova' })
  @ApiOkResponse({ type: TemplateDto })
  @ApiErrorResponses({ 404: 'template_not_found: no template with this name' })
  async getTemplate(@Param('name') name: string): Promise<TemplateDto> {
    const { template, version } = await this.prompts.getTemplate(name);
    return TemplateDto.fromVersion(template, version);
  }

  @Put(':template_id')
  @ApiOperation({
    operationId: 'updateTemplate',
    summary: 'Save a new version (never overwrites); config carries over when omitted',
  })
  @ApiOkResponse({ type: UpdateTemplateResultDto })
  @ApiErrorResponses({
    400: MALFORMED_JSON,
    404: TEMPLATE_NOT_FOUND,
    422: `${VALIDATION_FAILED}; or ${TEMPLATE_INVALID}`,
  })
  async updateTemplate(
    @Param() { template_id }: TemplateIdParams,
    @Body() body: UpdateTemplateDto,
  ): Promise<UpdateTemplateResultDto> {
    const result = await this.prompts.updateTemplate(template_id, {
      content: body.content,
      updatedBy: body.updated_by,
      changeDescription: body.change_description,
      config: body.config,
    });
    return { template_id: result.templateId, new_version: result.newVersion };
  }

  @Get(':template_id/history')
  @ApiOperation({ operationId: 'getTemplateHistory', summary: 'Every version, newest first' })
  @ApiOkResponse({ type: TemplateHistoryDto })
  @ApiErrorResponses({ 404: TEMPLATE_NOT_FOUND, 422: VALIDATION_FAILED })
  async getTemplateHistory(
    @Param() { template_id }: TemplateIdParams,
  ): Promise<TemplateHistoryDto> {
    const { template, versions } = await this.prompts.getHistory(template_id);
    return {
      template_id: template.id,
      name: template.name,
      versions: versions.map((version) => TemplateVersionDto.from(version)),
    };
  }

  @Post(':template_id/rollback/:version')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'rollbackTemplate',
    summary: 'Save a new version with the content and config of an earlier one',
  })
  @ApiOkResponse({ type: RollbackResultDto })
  @ApiErrorResponses({
    404: `${TEMPLATE_NOT_FOUND}; or version_not_found`,
    422: VALIDATION_FAILED,
  })
  async rollbackTemplate(
    @Param() { template_id, version }: TemplateVersionParams,
    @Query() { updated_by }: ChangedByQuery,
  ): Promise<RollbackResultDto> {
    const result = await this.prompts.rollbackTemplate(template_id, version, updated_by);
    return {
      template_id: result.templateId,
      rolled_back_to: result.rolledBackTo,
      new_version: result.newVersion,
    };
  }

  @Post(':template_id/activate')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'activateTemplate',
    summary: 'Make the template available to chats',
  })
  @ApiOkResponse({ type: TemplateStatusDto })
  @ApiErrorResponses({ 404: TEMPLATE_NOT_FOUND, 422: VALIDATION_FAILED })
  async activateTemplate(
    @Param() { template_id }: TemplateIdParams,
    @Query() { updated_by }: ChangedByQuery,
  ): Promise<TemplateStatusDto> {
    const template = await this.prompts.setActive(template_id, true, updated_by);
    return TemplateStatusDto.withMessage(template, `Template "${template.name}" activated`);
  }

  @Post(':template_id/deactivate')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'deactivateTemplate',
    summary: 'Make the template unavailable to chats (not allowed for the default template)',
  })
  @ApiOkResponse({ type: TemplateStatusDto })
  @ApiErrorResponses({
    404: TEMPLATE_NOT_FOUND,
    409: 'template_is_default: make another template the default first',
    422: VALIDATION_FAILED,
  })
  async deactivateTemplate(
    @Param() { template_id }: TemplateIdParams,
    @Query() { updated_by }: ChangedByQuery,
  ): Promise<TemplateStatusDto> {
    const template = await this.prompts.setActive(template_id, false, updated_by);
    return TemplateStatusDto.withMessage(template, `Template "${template.name}" deactivated`);
  }

  @Post(':template_id/default')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'setDefaultTemplate',
    summary: 'Make the template the default (used when a chat names none)',
  })
  @ApiOkResponse({ type: TemplateStatusDto })
  @ApiErrorResponses({
    404: TEMPLATE_NOT_FOUND,
    409: 'template_inactive: activate the template first',
    422: VALIDATION_FAILED,
  })
  async setDefaultTemplate(
    @Param() { template_id }: TemplateIdParams,
    @Query() { updated_by }: ChangedByQuery,
  ): Promise<TemplateStatusDto> {
    const template = await this.prompts.setDefault(template_id, updated_by);
    return TemplateStatusDto.withMessage(
      template,
      `Template "${template.name}" is now the default`,
    );
  }

  @Get(':template_id/diff')
  @ApiOperation({
    operationId: 'diffTemplateVersions',
    summary: 'Differences between two versions (default: the previous and the current)',
  })
  @ApiOkResponse({ type: TemplateDiffDto })
  @ApiErrorResponses({
    404: `${TEMPLATE_NOT_FOUND}; or version_not_found`,
    422: VALIDATION_FAILED,
  })
  async diffTemplateVersions(
    @Param() { template_id }: TemplateIdParams,
    @Query() query: DiffQuery,
  ): Promise<TemplateDiffDto> {
    const diff = await this.prompts.diffVersions(template_id, query.from, query.to);
    return {
      template_id: diff.template.id,
      name: diff.template.name,
      from: diff.from.version,
      to: diff.to.version,
      diff: diff.diff,
      changes: diff.changes,
      config_changed: diff.configChanged,
      from_config: diff.from.config,
      to_config: diff.to.config,
      too_large: diff.tooLarge,
      max_edits: MAX_DIFF_EDITS,
      message: diff.tooLarge
        ? `v${diff.from.version} and v${diff.to.version} are too different to diff line by line ` +
          `(more than ${MAX_DIFF_EDITS} lines added or removed)`
        : `v${diff.from.version} and v${diff.to.version} differ in ${diff.edits} lines`,
    };
  }

  @Post(':template_id/preview')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'previewTemplate',
    summary:
      'Render a version, or unsaved content, with a sample or real user context; optionally call the LLM; stores nothing',
  })
  @ApiOkResponse({ type: TemplatePreviewDto })
  @ApiErrorResponses({
    400: MALFORMED_JSON,
    404: `${TEMPLATE_NOT_FOUND}; or version_not_found`,
    422: `${VALIDATION_FAILED}; or ${TEMPLATE_INVALID}`,
    502: 'llm_unavailable or llm_rejected (with call_llm)',
    503: 'llm_unavailable: circuit open (with call_llm)',
    504: 'llm_timeout (with call_llm)',
  })
  async previewTemplate(
    @Param() { template_id }: TemplateIdParams,
    @Body() body: PreviewTemplateDto,
  ): Promise<TemplatePreviewDto> {
    const preview = await this.previews.previewTemplate(template_id, {
      variables: body.variables,
      message: body.message,
      userId: body.user_id,
      version: body.version,
      content: body.content,
      callLlm: body.call_llm,
    });
    return {
      rendered: preview.rendered,
      template_name: preview.templateName,
      version: preview.version,
      variables_used: preview.variablesUsed,
      render_time_ms: preview.renderTimeMs,
      messages: preview.messages,
      llm: preview.llm && {
        response: preview.llm.response,
        model: preview.llm.model,
        finish_reason: preview.llm.finishReason,
        prompt_tokens: preview.llm.promptTokens,
        completion_tokens: preview.llm.completionTokens,
        latency_ms: preview.llm.latencyMs,
        attempts: preview.llm.attempts,
      },
    };
  }
}
