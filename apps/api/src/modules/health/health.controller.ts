import { Controller, Get } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../core/errors/error-response.dto';
import { HealthDto, ReadinessCheckDto, ReadinessDto } from './dto/health.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@ApiExtraModels(ReadinessCheckDto)
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: HealthDto })
  getHealth(): HealthDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: database reachable and migrations applied' })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'code not_ready; details.checks says which check failed',
  })
  getReadiness(): Promise<ReadinessDto> {
    return this.health.readiness();
  }
}
