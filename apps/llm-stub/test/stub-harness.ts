import { request as httpRequest } from 'node:http';
import { RunningStubServer, startStubServer, StubServerOptions } from '@promptdev/llm-stub';

/** Parsed JSON, loosely typed for assertions. */
export type Json = Record<string, any>;

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (throws if it is not JSON). */
  json: Json;
}

/** A stub on a free loopback port, closed after each test of the calling file. */
export function useStub(options: StubServerOptions = {}): () => RunningStubServer {
  let stub: RunningStubServer | undefined;
  beforeEach(async () => {
    stub = await startStubServer(options);
  });
  afterEach(async () => {
    if (stub?.server.listening) await stub.close();
    stub = undefined;
  });
  return () => {
    if (!stub) throw new Error('the stub only runs inside a test');
    return stub;
  };
}

export async function send(
  stub: RunningStubServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const response = await fetch(`${stub.url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    get json() {
      return JSON.parse(text) as Json;
    },
  };
}

export const post = (stub: RunningStubServer, path: string, body: unknown) =>
  send(stub, 'POST', path, body);

/** A chat request with one user message; fields override the defaults. */
export function chatBody(message = 'hello there', fields: Record<string, unknown> = {}) {
  return {
    model: 'gpt-test',
    messages: [
      { role: 'system', content: 'You are a test persona.' },
      { role: 'user', content: message },
    ],
    ...fields,
  };
}

/** A llama.cpp completion request with a chat-style prompt. */
export function completionBody(message = 'hello there', fields: Record<string, unknown> = {}) {
  return { prompt: `You are a test persona.\nUser: ${message}\nAssistant:`, ...fields };
}

/** The `data:` payloads of an SSE body, in order. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
}

/** The JSON `data:` payloads of an SSE body (not `[DONE]`). */
export function sseJson(text: string): Json[] {
  return sseData(text)
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as Json);
}

/** Concatenated `content` deltas of an OpenAI chat stream. */
export function chatStreamText(text: string): string {
  return sseJson(text)
    .map((chunk) => (chunk.choices?.[0]?.delta?.content as string | undefined) ?? '')
    .join('');
}

export interface RawExchange {
  status: number;
  /** Everything received before the end or the error. */
  received: string;
  /** Set when the connection broke before a complete response. */
  error: Error | undefined;
}

/**
 * A POST over node:http that reports what arrived before the connection closed, so a dropped
 * stream can be told apart from a complete one.
 */
export function rawPost(
  stub: RunningStubServer,
  path: string,
  body: unknown,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const exchange: RawExchange = { status: 0, received: '', error: undefined };
    const request = httpRequest(
      `${stub.url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false },
      (response) => {
        exchange.status = response.statusCode ?? 0;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (exchange.received += chunk));
        response.on('end', () => resolve(exchange));
        response.on('error', (error) => resolve({ ...exchange, error }));
        response.on('aborted', () => resolve({ ...exchange, error: new Error('aborted') }));
      },
    );
    request.on('error', (error) => resolve({ ...exchange, error }));
    request.end(JSON.stringify(body));
  });
}
