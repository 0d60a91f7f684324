import { ValidationFailedError } from '../../core/errors/domain-error';

/** A cursor this list did not hand out. */
export class InvalidAuditCursorError extends ValidationFailedError {
  constructor() {
    super([{ field: 'cursor', errors: ['cursor must be a cursor returned by a previous page'] }]);
  }
}

export class AuditRangeError extends ValidationFailedError {
  constructor() {
    super([{ field: 'since', errors: ['since must be before until'] }]);
  }
}
