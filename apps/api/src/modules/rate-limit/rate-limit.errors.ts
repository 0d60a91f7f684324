import { DomainError } from '../../core/errors/domain-error';

export class RateLimitedError extends DomainError {
  constructor(rule: string, retryAfterSeconds: number) {
    super(429, 'rate_limited', `Too many requests; retry in ${retryAfterSeconds} s`, {
      rule,
      retry_after_seconds: retryAfterSeconds,
    });
  }
}
