/**
 * Who may call which route, decided by path in one place so a new route is protected by default
 * (it lands in `staff`) and the OpenAPI document can state the same rules.
 *
 * - public: anyone (health, login).
 * - session: a logged-in operator (me, logout).
 * - chat: end-user routes; open to anyone when CHAT_AUTH=open, else an end-user token for that
 *   user, an API key or an operator.
 * - chat_tokens: minting end-user tokens (a `chat` key or a non-viewer operator).
 * - metrics: like staff unless METRICS_PUBLIC=true.
 * - staff: operators (viewers read only) and `admin`-scoped API keys.
 * - admin: operators with the admin role (operator accounts and API keys).
 */
export type AccessLevel =
  'public' | 'session' | 'chat' | 'chat_tokens' | 'metrics' | 'staff' | 'admin';

const PUBLIC_ROUTES = new Set(['GET /health', 'GET /health/ready', 'POST /auth/login']);

/** `routePath` in Fastify (`/a/:id`) or OpenAPI (`/a/{id}`) form. */
export function accessFor(method: string, routePath: string): AccessLevel {
  const path = routePath.replace(/\{([^}]+)\}/g, ':$1').replace(/\/+$/, '') || '/';
  const upper = method.toUpperCase();
  if (PUBLIC_ROUTES.has(`${upper} ${path}`)) return 'public';
  if (path === '/auth/me' || path === '/auth/logout') return 'session';
  if (path === '/chat/tokens') return 'chat_tokens';
  if (path === '/chat' || path.startsWith('/chat/')) return 'chat';
  if (path === '/metrics') return 'metrics';
  if (isUnder(path, '/admin/operators') || isUnder(path, '/admin/api-keys')) return 'admin';
  return 'staff';
}

/** Reads change nothing; everything else is a mutation a viewer may not make. */
export function isMutation(method: string): boolean {
  const upper = method.toUpperCase();
  return upper !== 'GET' && upper !== 'HEAD' && upper !== 'OPTIONS';
}

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}
