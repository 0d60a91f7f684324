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

export class ValidationFailedError extends DomainError {
  constructor(fields: FieldProblem[], message = describeFields(fields)) {
    super(422, 'validation_failed', message, { fields });
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
  return `Validation failed: ${first.errors[0] ?? `${first.field} is invalid`}${more}`;
}
