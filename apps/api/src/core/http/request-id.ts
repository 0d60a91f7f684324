import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTABLE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Uses the caller's X-Request-Id when it is sane, else a fresh UUID. */
export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate && ACCEPTABLE_ID.test(candidate) ? candidate : randomUUID();
}
