import { verifyToken } from './hs256-token';

/** The `typ` of end-user chat tokens (signed with CHAT_TOKEN_SECRET). */
export const CHAT_TOKEN = 'chat';

/** The user id a valid, unexpired chat token names; no I/O, so a rate limit can afford it. */
export function chatTokenUserId(token: string, secret: string | undefined): string | undefined {
  if (secret === undefined) return undefined;
  return verifyToken(token, secret, CHAT_TOKEN)?.sub;
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer +(\S+)\s*$/i.exec(header)?.[1];
}
