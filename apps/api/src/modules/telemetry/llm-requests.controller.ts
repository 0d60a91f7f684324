import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { toDate } from './dto/instant';
import { LlmRequestListDto, LlmRequestListQueryDto, toLlmRequestDto } from './dto/llm-request.dto';
import { LlmRequestLog } from './llm-request-log.service';

@ApiTags('stats')
@Controller('admin/llm-requests')
export class LlmRequestsController {
  constructor(private readonly log: LlmRequestLog) {}

  @Get()
  @ApiOperation({
    summary: 'The LLM call log, newest first',
    description:
      'One row per LLM call (or per chat turn blocked before the LLM). Filters combine; from is ' +
      'inclusive and to exclusive on created_at. count is exact: the matching rows over all pages.',
  })
  @ApiOkResponse({ type: LlmRequestListDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description:
      'validation_failed: details.fields names a bad limit, cursor, user_id, template, status, ' +
      'from or to, from not before to, or an unknown parameter',
  })
  async listLlmRequests(@Query() query: LlmRequestListQueryDto): Promise<LlmRequestListDto> {
    const page = await this.log.list({
      limit: query.limit ?? 50,
      cursor: query.cursor,
      userId: query.user_id,
      template: query.template,
      status: query.status,
      from: toDate(query.from),
      to: toDate(query.to),
    });
    return {
      count: page.totalCount,
      requests: page.requests.map(toLlmRequestDto),
      next_cursor: page.nextCursor,
    };
  }
}
