/** Query parameters whose values are credentials (`?token=` on /app/chat, `api_key`, …). */
const SECRET_PARAMETER = /token|key|password|secret|passwd|auth|signature/i;
export const REDACTED_VALUE = '[redacted]';

/**
 * The URL as logged: the path as it is, the value of every credential-like query parameter
 * replaced. The name is matched decoded, so `%74oken=` is caught too.
 */
export function redactedUrl(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const query = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return SECRET_PARAMETER.test(decoded(name)) && equals !== -1
        ? `${name}=${REDACTED_VALUE}`
        : pair;
    })
    .join('&');
  return `${url.slice(0, start)}?${query}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
