import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims every token carries; `typ` keeps operator and end-user tokens apart. */
export interface TokenClaims {
  typ: string;
  sub: string;
  iat: number;
  exp: number;
  [claim: string]: unknown;
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
// Tokens issued a little "in the future" by a peer whose clock runs ahead are still accepted.
const CLOCK_SKEW_SECONDS = 30;
const MAX_TOKEN_LENGTH = 4096;

/** A compact JWT signed with HMAC-SHA256. */
export function signToken(claims: TokenClaims, secret: string): string {
  const body = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${body}.${signature(body, secret)}`;
}

/**
 * The claims of a valid token, or undefined. Only the exact HS256 header is accepted (so no
 * `alg: none` and no algorithm confusion), the signature is compared in constant time, and
 * `exp` / `iat` must be numbers that put the token inside its lifetime.
 */
export function verifyToken(
  token: string,
  secret: string,
  typ: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): TokenClaims | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, given] = parts as [string, string, string];
  if (header !== HEADER) return undefined;
  const expected = Buffer.from(signature(`${header}.${payload}`, secret));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  const claims = parseClaims(payload);
  if (!claims || claims.typ !== typ) return undefined;
  if (claims.exp <= nowSeconds || claims.iat > nowSeconds + CLOCK_SKEW_SECONDS) return undefined;
  if (claims.iat > claims.exp) return undefined;
  return claims;
}

/** The `typ` claim of a token without checking it, to pick the secret that verifies it. */
export function peekTokenType(token: string): string | undefined {
  const payload = token.split('.')[1];
  return payload === undefined ? undefined : parseClaims(payload)?.typ;
}

function parseClaims(payload: string): TokenClaims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const claims = value as Record<string, unknown>;
    const ok =
      typeof claims.typ === 'string' &&
      typeof claims.sub === 'string' &&
      Number.isSafeInteger(claims.iat) &&
      Number.isSafeInteger(claims.exp);
    return ok ? (claims as TokenClaims) : undefined;
  } catch {
    return undefined;
  }
}

function signature(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
