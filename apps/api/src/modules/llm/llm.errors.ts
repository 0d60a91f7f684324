import { DomainError } from '../../core/errors/domain-error';

/** Base of LLM failures; `attempts` is how many HTTP requests were made. */
export abstract class LlmError extends DomainError {
  abstract readonly kind:
    'unavailable' | 'timeout' | 'circuit_open' | 'rejected' | 'bad_response' | 'aborted';
  constructor(
    status: number,
    code: string,
    message: string,
    readonly attempts: number,
    details: Record<string, unknown> = {},
  ) {
    super(status, code, message, { ...details, attempts });
  }
}

export class LlmUnavailableError extends LlmError {
  readonly kind = 'unavailable';
  constructor(reason: string, attempts: number, upstreamStatus?: number) {
    super(502, 'llm_unavailable', `The language model is unavailable: ${reason}`, attempts, {
      reason,
      ...(upstreamStatus ? { upstream_status: upstreamStatus } : {}),
    });
  }
}

export class LlmTimeoutError extends LlmError {
  readonly kind = 'timeout';
  constructor(attempts: number, timeoutMs: number, reason?: string) {
    super(
      504,
      'llm_timeout',
      reason
        ? `The language model stalled: ${reason}`
        : `The language model did not answer within ${timeoutMs} ms`,
      attempts,
      { timeout_ms: timeoutMs },
    );
  }
}

export class LlmCircuitOpenError extends LlmError {
  readonly kind = 'circuit_open';
  constructor(retryInMs: number) {
    super(503, 'llm_unavailable', 'The language model is failing; requests are paused briefly', 0, {
      reason: 'circuit_open',
      retry_in_ms: retryInMs,
    });
  }
}

/** The LLM server refused the request (4xx other than 429): retrying cannot help. */
export class LlmRejectedError extends LlmError {
  readonly kind = 'rejected';
  constructor(upstreamStatus: number, upstreamMessage: string, attempts: number) {
    super(
      502,
      'llm_rejected',
      `The language model rejected the request: ${upstreamMessage}`,
      attempts,
      {
        upstream_status: upstreamStatus,
      },
    );
  }
}

export class LlmBadResponseError extends LlmError {
  readonly kind = 'bad_response';
  constructor(reason: string, attempts: number) {
    super(
      502,
      'llm_unavailable',
      `The language model sent an invalid response: ${reason}`,
      attempts,
      {
        reason: 'bad_response',
        problem: reason,
      },
    );
  }
}

/** Our caller gave up (client disconnected); not a failure of the LLM. */
export class LlmAbortedError extends LlmError {
  readonly kind = 'aborted';
  constructor(attempts: number) {
    super(499, 'client_closed_request', 'The request was cancelled', attempts);
  }
}
