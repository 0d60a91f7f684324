// The stub LLM server: the llm-stub app runs it; API tests and `npm start` embed it.
export { createStubServer, DEFAULT_MODEL, startStubServer } from './stub-server';
export type { RunningStubServer, StubServerOptions } from './stub-server';
export { REQUEST_LOG_CAPACITY, StubControl } from './stub-control';
export { FAILURE_MODES, SettingsError } from './stub-settings';
export type { Failure, FailureMode, StubSettings, StubSettingsInput } from './stub-settings';
export { loadStubConfig, StubConfigError } from './stub-config';
export type { StubConfig } from './stub-config';
export type * from './request-log';
