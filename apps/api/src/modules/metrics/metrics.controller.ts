import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { MetricsService } from './metrics.service';

const EXAMPLE = [
  '# HELP promptdev_llm_errors_total Failed LLM calls by error code (after retries)',
  '# TYPE promptdev_llm_errors_total counter',
  'promptdev_llm_errors_total{kind="llm_unavailable"} 2',
].join('\n');

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({
    summary: 'Prometheus metrics of this instance (text exposition format 0.0.4)',
    description:
      'HTTP, chat turn and LLM latencies, LLM errors, tokens and retries, guardrail firings, ' +
      'halted users, open event streams, database pool, LLM circuit state and process metrics.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Metrics in the Prometheus text format',
    content: { 'text/plain': { schema: { type: 'string', example: EXAMPLE } } },
  })
  getMetrics(): Promise<string> {
    return this.metrics.exposition();
  }
}
