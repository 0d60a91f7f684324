import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger as PinoLogger } from 'pino';
import { LogLevel } from '../config/app-config';
import { currentRequestId } from './request-context';

/** `destination` (default stdout) lets tests read the lines. */
export function createRootLogger(level: LogLevel, destination?: DestinationStream): PinoLogger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'promptdev-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials never reach a log line.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.access_token',
        '*.token',
        'password',
      ],
      censor: '[redacted]',
    },
    // Each line carries the id of the request it belongs to (from AsyncLocalStorage).
    mixin: () => {
      const reqId = currentRequestId();
      return reqId ? { reqId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Nest's LoggerService on top of pino, so Nest's own messages and ours share one format. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: PinoLogger) {}

  log(message: unknown, ...optional: unknown[]): void {
    this.write('info', message, optional);
  }
  error(message: unknown, ...optional: unknown[]): void {
    this.write('error', message, optional);
  }
  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }
  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('trace', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }

  private write(level: pino.Level, message: unknown, optional: unknown[]): void {
    // Nest passes the context (class name) last; Logger.error may pass a stack before it.
    const context = typeof optional.at(-1) === 'string' ? (optional.at(-1) as string) : undefined;
    const extra = context === undefined ? optional : optional.slice(0, -1);
    const stack = typeof extra[0] === 'string' ? extra[0] : undefined;
    if (typeof message === 'object' && message !== null && !(message instanceof Error)) {
      const { msg, ...fields } = message as Record<string, unknown>;
      const text =
        typeof extra[0] === 'string' ? extra[0] : typeof msg === 'string' ? msg : undefined;
      this.logger[level]({ context, ...fields }, text);
      return;
    }
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
      return;
    }
    this.logger[level](
      { context, ...(stack && level === 'error' ? { stack } : {}) },
      String(message),
    );
  }
}
