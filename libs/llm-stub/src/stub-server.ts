import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { CompletionApi, InvalidRequest, serveCompletion } from './completion';
import { Exchange } from './exchange';
import { llamaCppApi, llamaCppError } from './llamacpp-api';
import { openAiApi } from './openai-api';
import { StubControl } from './stub-control';
import { parseSettings, SettingsError, StubSettingsInput } from './stub-settings';

export const DEFAULT_MODEL = 'promptdev-stub';
const MAX_BODY_CHARACTERS = 10 * 1024 * 1024;

export interface StubServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The model named in replies when the request names none. */
  model?: string;
  /** Startup settings; `configure()` and `reset()` fall back to them. */
  settings?: StubSettingsInput;
  /** Called with one line per request when set. */
  log?: (line: string) => void;
}

export interface RunningStubServer {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  port: number;
  control: StubControl;
  server: Server;
  /** Stops listening and ends every open connection, hanging ones included. */
  close(): Promise<void>;
}

type Route = (exchange: Exchange) => Promise<void> | void;

/** The stub's HTTP server, not yet listening, and the control over its behaviour. */
export function createStubServer(options: StubServerOptions = {}): {
  server: Server;
  control: StubControl;
} {
  const control = new StubControl(parseSettings(options.settings ?? {}));
  const model = options.model ?? DEFAULT_MODEL;
  const modelList = JSON.stringify({
    object: 'list',
    data: [{ id: model, object: 'model', created: 0, owned_by: 'promptdev-stub' }],
  });
  const loadingBody = llamaCppError(503, 'Loading model');

  const recordRequest = (exchange: Exchange, body: unknown) => {
    const { headers, method = 'GET', url = '/' } = exchange.request;
    exchange.record = control.record({
      method,
      path: pathOf(url),
      body,
      headers: {
        'content-type': headers['content-type'] ?? null,
        authorization: headers.authorization !== undefined,
        'x-request-id': firstHeader(headers['x-request-id']),
      },
      received_at: new Date().toISOString(),
    });
    return exchange.record;
  };

  const completion = (api: CompletionApi) => async (exchange: Exchange) => {
    const text = await readBody(exchange.request);
    if (text === undefined) {
      exchange.sendJson(413, api.errorBody(413, 'Request body too large'));
      return;
    }
    const body = parseJson(text);
    const record = recordRequest(exchange, body === undefined ? text : body);
    if (control.isLoading()) {
      exchange.outcome = 'failed:loading';
      exchange.sendJson(503, loadingBody);
      return;
    }
    const request =
      body === undefined
        ? new InvalidRequest('The request body is not valid JSON.', undefined, 'invalid_json')
        : api.parse(body, model);
    if (request instanceof InvalidRequest) {
      exchange.outcome = 'failed:invalid_request';
      const { message, param, code } = request;
      exchange.sendJson(400, api.errorBody(400, message, { param, code }));
      return;
    }
    const id = `${api === openAiApi ? 'chatcmpl' : 'cmpl'}-stub-${record.id}`;
    await serveCompletion(exchange, api, request, control, id);
  };

  const whenReady = (route: Route) => (exchange: Exchange) =>
    control.isLoading() ? exchange.sendJson(503, loadingBody) : route(exchange);

  const configure = async (exchange: Exchange) => {
    const text = await readBody(exchange.request);
    const body = text === '' ? {} : parseJson(text ?? '');
    try {
      if (body === undefined) throw new SettingsError(['the body is not valid JSON']);
      exchange.sendJson(200, JSON.stringify(control.configure(body)));
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      exchange.sendJson(400, llamaCppError(400, `Invalid settings: ${error.message}`));
    }
  };

  const routes: Record<string, Partial<Record<string, Route>>> = {
    '/health': { GET: whenReady((exchange) => exchange.sendJson(200, '{"status":"ok"}')) },
    '/v1/models': { GET: whenReady((exchange) => exchange.sendJson(200, modelList)) },
    '/v1/chat/completions': { POST: completion(openAiApi) },
    '/completion': { POST: completion(llamaCppApi) },
    '/_stub/control': {
      GET: (exchange) => exchange.sendJson(200, JSON.stringify(control.describe())),
      POST: configure,
    },
    '/_stub/reset': {
      POST: (exchange) => exchange.sendJson(200, JSON.stringify(control.reset())),
    },
    '/_stub/requests': {
      GET: (exchange) => {
        const requests = control.requests();
        exchange.sendJson(200, JSON.stringify({ count: requests.length, requests }));
      },
      DELETE: (exchange) => {
        control.clearRequests();
        exchange.response.writeHead(204).end();
      },
    },
  };

  // Requests to routes that do not exist are recorded: a wrong path is a bug worth seeing.
  const notFound = async (exchange: Exchange, allowed: string[]) => {
    const text = await readBody(exchange.request);
    recordRequest(exchange, text ? (parseJson(text) ?? text) : null);
    exchange.outcome = 'failed:not_found';
    const { method, url = '/' } = exchange.request;
    if (allowed.length === 0) {
      exchange.sendJson(404, llamaCppError(404, `No route for ${method} ${pathOf(url)}`));
    } else {
      exchange.sendJson(405, llamaCppError(405, `Method ${method} not allowed`), {
        allow: allowed.join(', '),
      });
    }
  };

  const server = createServer((request, response) => {
    const exchange = new Exchange(request, response, control, options.log);
    const methods = routes[pathOf(request.url ?? '/')];
    const route = methods?.[request.method ?? 'GET'];
    const run = async () =>
      route ? route(exchange) : notFound(exchange, Object.keys(methods ?? {}));
    run().catch((error: unknown) => {
      if (exchange.closed) return;
      if (response.headersSent) response.destroy();
      else exchange.sendJson(500, llamaCppError(500, String(error)));
    });
  });
  // Longer than common clients' idle timeouts, so a reused connection is never closed under them.
  server.keepAliveTimeout = 65_000;
  return { server, control };
}

/** Starts a stub; `port: 0` (the default) picks a free port, for tests. */
export async function startStubServer(options: StubServerOptions = {}): Promise<RunningStubServer> {
  const { server, control } = createStubServer(options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    control,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The body as text, or undefined when it is larger than the limit. */
function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > MAX_BODY_CHARACTERS) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
      }
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function firstHeader(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}
