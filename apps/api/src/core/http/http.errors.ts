import { DomainError } from '../errors/domain-error';

export class MalformedJsonError extends DomainError {
  constructor(message = 'The request body is not valid JSON') {
    super(400, 'malformed_json', message);
  }
}
