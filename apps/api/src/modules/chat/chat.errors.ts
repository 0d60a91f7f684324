import { ConflictError, DomainError, ValidationFailedError } from '../../core/errors/domain-error';
import type { TemplateProblem } from '../context/template-error';

/** The user is halted: their message was stored, no AI reply is made (spec section 4, step 3). */
export class ConversationHaltedError extends DomainError {
  constructor(reason: string | null, operator: string | null) {
    super(
      423,
      'conversation_halted',
      `Conversation halted by ${operator ?? 'an operator'}${reason ? `: ${reason}` : ''}`,
      { reason, operator, message_stored: true },
    );
  }
}

/**
 * A stored template failed to render with this user's data (a render error, or a render
 * budget it exceeded, named in `budget`). The template is at fault, not the server: 422.
 */
export class TemplateRenderFailedError extends DomainError {
  constructor(templateName: string, problem: TemplateProblem) {
    const { reason, line, column, budget } = problem;
    super(422, 'template_render_failed', `Template ${templateName} failed to render: ${reason}`, {
      template: templateName,
      reason,
      line,
      column,
      ...(budget === undefined ? {} : { budget }),
    });
  }
}

export class MessageTooLongError extends DomainError {
  constructor(maxChars: number) {
    super(
      422,
      'validation_failed',
      `Validation failed: message must be at most ${maxChars} characters`,
      {
        fields: [{ field: 'message', errors: [`message must be at most ${maxChars} characters`] }],
      },
    );
  }
}

/** An Idempotency-Key header that is empty, too long or has characters outside printable ASCII. */
export class IdempotencyKeyInvalidError extends ValidationFailedError {
  constructor() {
    super([
      {
        field: 'Idempotency-Key',
        errors: [
          `Idempotency-Key must be 1-${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters without spaces`,
        ],
      },
    ]);
  }
}

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** The first request with this key is still running: retry later for its outcome. */
export class IdempotencyInProgressError extends ConflictError {
  constructor() {
    super(
      'idempotency_in_progress',
      'A request with this Idempotency-Key is still being processed; retry shortly',
    );
  }
}

/** The key was used for a different message (or template, or guardrail config). */
export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super(
      422,
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request body',
    );
  }
}

/** The stored outcome of an earlier request with the same key, answered again as it was. */
export class ReplayedOutcomeError extends DomainError {
  constructor(
    status: number,
    body: { code: string; message: string; details: Record<string, unknown> },
  ) {
    super(status, body.code, body.message, body.details);
  }
}
