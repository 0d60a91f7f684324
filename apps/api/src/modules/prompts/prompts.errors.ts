import {
  ConflictError,
  DomainError,
  NotFoundError,
  ServiceUnavailableError,
} from '../../core/errors/domain-error';
import { describePosition, TemplateRenderError } from '../context/template-error';

export class TemplateNotFoundError extends NotFoundError {
  constructor(reference: { name: string } | { templateId: number }) {
    super(
      'template_not_found',
      'name' in reference
        ? `No template named "${reference.name}"`
        : `No template with id ${reference.templateId}`,
      'name' in reference ? { name: reference.name } : { template_id: reference.templateId },
    );
  }
}

export class VersionNotFoundError extends NotFoundError {
  constructor(templateId: number, version: number) {
    super('version_not_found', `Template ${templateId} has no version ${version}`, {
      template_id: templateId,
      version,
    });
  }
}

export class TemplateExistsError extends ConflictError {
  constructor(name: string) {
    super('template_exists', `A template named "${name}" already exists`, { name });
  }
}

export class TemplateInactiveError extends ConflictError {
  constructor(name: string, action: string) {
    super('template_inactive', `Template "${name}" is inactive: ${action}`, { name });
  }
}

export class TemplateIsDefaultError extends ConflictError {
  constructor(name: string) {
    super(
      'template_is_default',
      `Template "${name}" is the default template: make another template the default first`,
      { name },
    );
  }
}

export class NoTemplateError extends ServiceUnavailableError {
  constructor() {
    super('no_template', 'No default template is set: create a template or choose a default');
  }
}

/** Content that does not compile, fails to render or exceeds a render budget (spec section 3). */
export class TemplateInvalidError extends DomainError {
  constructor(problem: TemplateRenderError) {
    const where =
      problem.line === null ? '' : ` at ${describePosition(problem.line, problem.column)}`;
    super(422, 'template_invalid', `The template is invalid${where}: ${problem.reason}`, {
      line: problem.line,
      column: problem.column,
      reason: problem.reason,
      kind: problem.kind,
      ...(problem.budget === undefined ? {} : { budget: problem.budget }),
    });
  }
}

/** Runs a render or validation, reporting a broken template as template_invalid. */
export function rejectingInvalidTemplate<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof TemplateRenderError) throw new TemplateInvalidError(error);
    throw error;
  }
}
