import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { errorCodes, type FastifyReply, type FastifyRequest } from 'fastify';
import type { DatabaseAvailability } from '../database/database-availability';
import { isDatabaseUnavailable } from '../database/database-errors';
import { redactedUrl } from '../logging/redact-url';
import { clip, DomainError, MAX_ECHOED_MESSAGE } from './domain-error';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  detail: string;
  details: Record<string, unknown>;
  requestId: string;
}

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
  503: 'service_unavailable',
};

// Fastify's own errors (body parsing, content type, size) reach us as HttpExceptions that keep
// only Fastify's message, so they are recognised by it.
const FASTIFY_ERRORS: Array<[keyof typeof errorCodes, string, string]> = [
  ['FST_ERR_CTP_INVALID_JSON_BODY', 'malformed_json', 'The request body is not valid JSON'],
  [
    'FST_ERR_CTP_EMPTY_JSON_BODY',
    'malformed_json',
    'The request body is empty but declared as JSON',
  ],
  ['FST_ERR_CTP_BODY_TOO_LARGE', 'payload_too_large', 'The request body is too large'],
  [
    'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    'unsupported_media_type',
    'Unsupported content type: send application/json',
  ],
  ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'bad_request', 'Content-Length does not match the body'],
];
const FASTIFY_BY_MESSAGE = new Map(
  FASTIFY_ERRORS.map(([name, code, message]) => {
    const FastifyErrorClass = errorCodes[name] as unknown as new () => Error;
    return [new FastifyErrorClass().message, { code, message }];
  }),
);
const FASTIFY_BY_CODE = new Map(
  FASTIFY_ERRORS.map(([name, code, message]) => [name as string, { code, message }]),
);

/** Maps every thrown thing to the documented error shape; never leaks stacks or SQL. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly database?: DatabaseAvailability) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = this.toBody(exception, String(request.id));
    this.log(exception, body, `${request.method} ${clip(redactedUrl(request.url), 200)}`);
    if (reply.sent) return;
    void reply
      .status(body.statusCode)
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  }

  /** Bugs are errors with a stack; expected unavailability is a warning, once per outage. */
  private log(exception: unknown, body: ErrorBody, route: string): void {
    if (body.statusCode < 500) return;
    if (body.code === 'database_unavailable' && this.database) {
      this.database.reportUnavailable(exception);
    } else if (exception instanceof DomainError) {
      this.logger.warn({ code: body.code }, `${route} failed: ${body.code}`);
    } else {
      this.logger.error({ err: exception, code: body.code }, `${route} failed: ${body.code}`);
    }
  }

  toBody(exception: unknown, requestId: string): ErrorBody {
    const make = (
      statusCode: number,
      code: string,
      message: string,
      details: Record<string, unknown> = {},
    ) => {
      // Messages may quote what the client sent; a reply never grows with the request.
      const shown = clip(message, MAX_ECHOED_MESSAGE * 4);
      return { statusCode, code, message: shown, detail: shown, details, requestId };
    };

    if (exception instanceof DomainError) {
      return make(exception.status, exception.code, exception.message, exception.details);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string' ? response : (readMessage(response) ?? exception.message);
      const fastifyError = FASTIFY_BY_MESSAGE.get(message);
      if (fastifyError) return make(status, fastifyError.code, fastifyError.message);
      if (status === 404 && /^Cannot (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)/.test(message)) {
        return make(404, 'route_not_found', message.replace(/^Cannot/, 'No route for'));
      }
      return make(status, HTTP_CODES[status] ?? `http_${status}`, message);
    }
    const fastifyCode = readString(exception, 'code');
    const known = fastifyCode ? FASTIFY_BY_CODE.get(fastifyCode) : undefined;
    if (known) {
      return make(readNumber(exception, 'statusCode') ?? 400, known.code, known.message);
    }
    if (exception instanceof SyntaxError && readNumber(exception, 'statusCode') === 400) {
      return make(400, 'malformed_json', 'The request body is not valid JSON');
    }
    const statusCode = readNumber(exception, 'statusCode');
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
      return make(
        statusCode,
        HTTP_CODES[statusCode] ?? `http_${statusCode}`,
        readString(exception, 'message') ?? 'Bad request',
      );
    }
    if (isDatabaseUnavailable(exception)) {
      return make(503, 'database_unavailable', 'The database is not reachable; try again shortly');
    }
    return make(500, 'internal_error', 'An unexpected error occurred');
  }
}

function readMessage(response: object): string | undefined {
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return undefined;
}

function readString(value: unknown, key: string): string | undefined {
  const field =
    typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  return typeof field === 'string' ? field : undefined;
}

function readNumber(value: unknown, key: string): number | undefined {
  const field =
    typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)[key]
      : undefined;
  return typeof field === 'number' ? field : undefined;
}
