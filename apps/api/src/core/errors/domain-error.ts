/**
 * Base of every error a service throws on purpose. The global filter turns it into the
 * documented error shape: `{statusCode, code, message, detail, details, requestId}`.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldProblem {
  field: string;
  errors: string[];
}

/** Errors echo what the client sent only this far, so a huge key cannot inflate a reply. */
export const MAX_ECHOED_FIELD = 100;
export const MAX_ECHOED_MESSAGE = 300;
export const MAX_REPORTED_FIELDS = 20;

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export class ValidationFailedError extends DomainError {
  constructor(fields: FieldProblem[], message?: string) {
    const shown = fields.slice(0, MAX_REPORTED_FIELDS).map((problem) => ({
      field: clip(problem.field, MAX_ECHOED_FIELD),
      errors: problem.errors.slice(0, 10).map((error) => clip(error, MAX_ECHOED_MESSAGE)),
    }));
    super(422, 'validation_failed', message ?? describeFields(fields), {
      fields: shown,
    });
  }
}

export class NotFoundError extends DomainError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(404, code, message, details);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(409, code, message, details);
  }
}

export class ServiceUnavailableError extends DomainError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(503, code, message, details);
  }
}

export function describeFields(fields: FieldProblem[]): string {
  const first = fields[0];
  if (!first) return 'Validation failed';
  const more =
    fields.length > 1
      ? ` (and ${fields.length - 1} more field${fields.length > 2 ? 's' : ''})`
      : '';
  const reason = clip(
    first.errors[0] ?? `${clip(first.field, MAX_ECHOED_FIELD)} is invalid`,
    MAX_ECHOED_MESSAGE - 60,
  );
  return `Validation failed: ${reason}${more}`;
}
