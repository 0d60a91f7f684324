import { RunningStubServer, startStubServer, StubSettingsInput } from '@promptdev/llm-stub';

/** A stub LLM server on a free loopback port for one test file; reset between tests. */
export async function startLlmStub(settings: StubSettingsInput = {}): Promise<RunningStubServer> {
  return startStubServer({ host: '127.0.0.1', port: 0, settings });
}
