import {
  ConflictError,
  DomainError,
  NotFoundError,
  ValidationFailedError,
} from '../../core/errors/domain-error';
import type { GuardrailFiring } from './guardrail-engine';

export class GuardrailNotFoundError extends NotFoundError {
  constructor(reference: { name: string } | { configId: number }, reason = '') {
    super(
      'guardrail_not_found',
      'name' in reference
        ? `No ${reason}guardrail config named "${reference.name}"`
        : `No guardrail config with id ${reference.configId}`,
      'name' in reference ? { name: reference.name } : { config_id: reference.configId },
    );
  }
}

export class GuardrailExistsError extends ConflictError {
  constructor(name: string) {
    super(
      'guardrail_exists',
      `A guardrail config named "${name}" already exists (an inactive one is reactivated with PUT)`,
      { name },
    );
  }
}

export class GuardrailPresetError extends ConflictError {
  constructor(name: string) {
    super(
      'guardrail_is_preset',
      `"${name}" is a preset and cannot be deleted: deactivate it instead (soft delete)`,
      { name },
    );
  }
}

/** An input rule with action block fired: the message is kept but goes no further (spec 5). */
export class GuardrailBlockedError extends DomainError {
  constructor(configName: string, firing: GuardrailFiring, details: Record<string, unknown> = {}) {
    super(422, 'guardrail_blocked', `The message was blocked by guardrail config "${configName}"`, {
      guardrail_config: configName,
      rule_index: firing.rule_index,
      rule_type: firing.rule_type,
      ...details,
    });
  }
}

/** A cursor this list did not hand out. */
export class InvalidEventCursorError extends ValidationFailedError {
  constructor() {
    super([{ field: 'cursor', errors: ['cursor must be a next_cursor returned by this list'] }]);
  }
}
