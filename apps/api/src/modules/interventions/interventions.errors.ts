import { DomainError, NotFoundError } from '../../core/errors/domain-error';

export class NotHaltedError extends DomainError {
  constructor(userId: string, mode: string | undefined) {
    super(400, 'not_halted', `User ${userId} is not halted`, {
      user_id: userId,
      mode: mode ?? null,
    });
  }
}

export class UserNotFoundError extends NotFoundError {
  constructor(userId: string) {
    super('user_not_found', `No user ${userId} has been seen`, { user_id: userId });
  }
}
