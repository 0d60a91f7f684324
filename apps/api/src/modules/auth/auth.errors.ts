import { ConflictError, DomainError, NotFoundError } from '../../core/errors/domain-error';

export class UnauthorizedError extends DomainError {
  constructor(message = 'Credentials are missing, invalid or expired') {
    super(401, 'unauthorized', message);
  }
}

/** Login failures say nothing about which part was wrong. */
export class InvalidCredentialsError extends DomainError {
  constructor() {
    super(401, 'invalid_credentials', 'Wrong username or password, or the operator is disabled');
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'These credentials may not do this') {
    super(403, 'forbidden', message);
  }
}

export class UserMismatchError extends DomainError {
  constructor() {
    super(403, 'user_mismatch', 'The chat token belongs to another user; name your own user_id');
  }
}

export class OverrideNotAllowedError extends DomainError {
  constructor(fields: string[]) {
    super(
      403,
      'override_not_allowed',
      `Only operators and API keys may choose ${fields.join(' or ')}`,
      { fields },
    );
  }
}

export class OperatorNotFoundError extends NotFoundError {
  constructor(operatorId: string) {
    super('operator_not_found', `No operator ${operatorId}`, { operator_id: operatorId });
  }
}

export class OperatorExistsError extends ConflictError {
  constructor(username: string) {
    super('operator_exists', `An operator named ${username} already exists`, { username });
  }
}

/** Keeps an admin from locking everyone out by demoting or disabling themselves. */
export class SelfLockoutError extends ConflictError {
  constructor() {
    super('self_lockout', 'You cannot demote or disable your own admin account');
  }
}

export class ApiKeyNotFoundError extends NotFoundError {
  constructor(keyId: string) {
    super('api_key_not_found', `No API key ${keyId}`, { api_key_id: keyId });
  }
}

export class ChatTokensUnavailableError extends DomainError {
  constructor() {
    super(409, 'chat_tokens_unavailable', 'Set CHAT_TOKEN_SECRET to mint chat tokens');
  }
}
