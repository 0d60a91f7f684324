import { RunningStubServer, startStubServer, StubSettingsInput } from '@promptdev/llm-stub';

/** A stub LLM server on a free loopback port for one test file; reset between tests. */
export async function startLlmStub(settings: StubSettingsInput = {}): Promise<RunningStubServer> {
  return startStubServer({ host: '127.0.0.1', port: 0, settings });
}

/** API settings for tests against the stub: quick retries, a short timeout, no circuit breaking. */
export const QUICK_LLM_ENV = {
  LLM_RETRY_BASE_MS: '5',
  LLM_TIMEOUT_MS: '2000',
  LLM_CIRCUIT_FAILURES: '1000',
} as const;
