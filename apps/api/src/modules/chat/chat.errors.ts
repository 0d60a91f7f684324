import { DomainError } from '../../core/errors/domain-error';
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
