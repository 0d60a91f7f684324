/**
 * Opaque cursors of the event list (newest first by id): base64url of ["g", id], so clients
 * pass them back unchanged and never build them.
 */
export function encodeEventCursor(id: number): string {
  return Buffer.from(JSON.stringify(['g', id]), 'utf8').toString('base64url');
}

/** The id of the last event already seen, or undefined for anything this list did not make. */
export function decodeEventCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts.length !== 2 || parts[0] !== 'g') return undefined;
  const id: unknown = parts[1];
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}
