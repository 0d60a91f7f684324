import { DomainError } from '../../core/errors/domain-error';

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

/** A stored template failed to render with this user's data. */
export class TemplateRenderFailedError extends DomainError {
  constructor(templateName: string, reason: string, line: number | null, column: number | null) {
    super(500, 'template_render_failed', `Template ${templateName} failed to render: ${reason}`, {
      template: templateName,
      reason,
      line,
      column,
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
