import type { FastifyInstance } from 'fastify';
import { ValidationFailedError } from '../errors/domain-error';
import { MalformedJsonError } from './http.errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * How deep arrays and objects nest in a JSON text, stopping as soon as `limit` is passed.
 * Linear and iterative, so a hostile body cannot recurse anything before it is refused.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index += 1;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === 0x7d || char === 0x5d) depth -= 1;
  }
  return false;
}

/**
 * JSON is the only body type: bytes must be UTF-8 and nest at most `maxDepth` levels, both
 * checked before parsing. Prototype-poisoning keys stay refused by Fastify's own parser.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, maxDepth: number): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request, body: Buffer, done) => {
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        done(new MalformedJsonError('The request body is not valid UTF-8'), undefined);
        return;
      }
      if (jsonDepthExceeds(text, maxDepth)) {
        done(
          new ValidationFailedError([
            { field: 'body', errors: [`body must not be nested deeper than ${maxDepth} levels`] },
          ]),
          undefined,
        );
        return;
      }
      void parseJson(request, text, done);
    },
  );
}
