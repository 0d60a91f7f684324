export type LlmRequestStatus = 'ok' | 'error' | 'blocked' | 'interrupted';
