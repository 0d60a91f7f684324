import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { toDate } from '../telemetry/dto/instant';
import { AuditService } from './audit.service';
import { AuditListDto, AuditListQueryDto, toAuditEntryDto } from './dto/audit-entry.dto';

@ApiTags('audit')
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'The audit trail, newest first',
    description:
      'One row per mutation (and per login, failed login and logout). Filters combine; since is ' +
      'inclusive and until exclusive on created_at. Operators of every role may read it.',
  })
  @ApiOkResponse({ type: AuditListDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'validation_failed: bad limit, cursor, filter, since not before until',
  })
  async listAuditEntries(@Query() query: AuditListQueryDto): Promise<AuditListDto> {
    const page = await this.audit.list({
      limit: query.limit ?? 50,
      cursor: query.cursor,
      actor: query.actor,
      action: query.action,
      targetType: query.target_type,
      targetId: query.target_id,
      since: toDate(query.since),
      until: toDate(query.until),
    });
    return { entries: page.entries.map(toAuditEntryDto), next_cursor: page.nextCursor };
  }
}
