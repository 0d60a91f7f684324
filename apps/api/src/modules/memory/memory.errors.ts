import { NotFoundError, ValidationFailedError } from '../../core/errors/domain-error';

export class MemoryKeyNotFoundError extends NotFoundError {
  constructor(userId: string, key: string) {
    super('memory_key_not_found', `User ${userId} has no memory key "${key}"`, {
      user_id: userId,
      key,
    });
  }
}

export class StateNotFoundError extends NotFoundError {
  constructor(userId: string) {
    super('state_not_found', `User ${userId} has never been seen`, { user_id: userId });
  }
}

export class InvalidMemoryValueError extends ValidationFailedError {
  constructor(problem: string) {
    super([{ field: 'value', errors: [problem] }]);
  }
}

/** A cursor this API did not hand out (or one from another list). */
export class InvalidCursorError extends ValidationFailedError {
  constructor(field: string) {
    super([{ field, errors: [`${field} must be a cursor returned by a previous page`] }]);
  }
}
