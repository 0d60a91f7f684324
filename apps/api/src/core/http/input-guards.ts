import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FieldProblem, ValidationFailedError } from '../errors/domain-error';

export interface BodyLimits {
  /** Bytes a body may have on most routes (template saves are the largest honest bodies). */
  defaultBytes: number;
  /** Bytes a body may have on /chat routes: one message and a few ids. */
  chatBytes: number;
}

/** Longest query value any route reads; DTOs set tighter limits per field. */
export const MAX_QUERY_VALUE_LENGTH = 2048;

// C0 controls and DEL: never part of an id, a name or a cursor; NUL cannot reach PostgreSQL.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Per-route body limits; must be installed before the routes are registered. */
export function installBodyLimits(fastify: FastifyInstance, limits: BodyLimits): void {
  fastify.addHook('onRoute', (route) => {
    const isChat = route.url === '/chat' || route.url.startsWith('/chat/');
    route.bodyLimit ??= isChat ? limits.chatBytes : limits.defaultBytes;
  });
}

function problemsIn(values: unknown, where: 'path' | 'query'): FieldProblem[] {
  if (typeof values !== 'object' || values === null) return [];
  const problems: FieldProblem[] = [];
  for (const [name, raw] of Object.entries(values)) {
    const items: unknown[] = Array.isArray(raw) ? raw : [raw];
    const field = shorten(name);
    if (CONTROL_CHARACTERS.test(name)) {
      problems.push({
        field,
        errors: [`${where} parameter names must not contain control characters`],
      });
      continue;
    }
    for (const item of items) {
      if (typeof item !== 'string') continue;
      if (CONTROL_CHARACTERS.test(item)) {
        problems.push({ field, errors: [`${field} must not contain control characters`] });
        break;
      }
      if (item.length > MAX_QUERY_VALUE_LENGTH) {
        problems.push({
          field,
          errors: [`${field} must be at most ${MAX_QUERY_VALUE_LENGTH} characters`],
        });
        break;
      }
    }
  }
  return problems;
}

function shorten(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

/**
 * Path and query values are checked for control characters and length before any route
 * sees them, so a NUL never reaches a query and a huge value is never echoed back.
 */
export function installParameterGuard(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    const problems = [...problemsIn(request.params, 'path'), ...problemsIn(request.query, 'query')];
    done(problems.length > 0 ? new ValidationFailedError(problems.slice(0, 20)) : undefined);
  });
}
