/** The largest page any list returns (spec section 8). */
export const MAX_PAGE_LIMIT = 200;

export function clampLimit(limit: number): number {
  return Math.min(Math.max(Math.trunc(limit) || 1, 1), MAX_PAGE_LIMIT);
}

/**
 * Opaque page cursors: base64url of a small JSON array, so clients pass them back unchanged
 * and never build them. Decoding returns undefined for anything this module did not make.
 */
function encode(parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

function decode(cursor: string): unknown[] | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parts) ? parts : undefined;
  } catch {
    return undefined;
  }
}

/** Lists ordered by id: the last id already seen, tagged with its list so lists never mix. */
export function encodeIdCursor(list: string, id: number): string {
  return encode([list, id]);
}

export function decodeIdCursor(list: string, cursor: string): number | undefined {
  const parts = decode(cursor);
  if (parts?.length !== 2 || parts[0] !== list) return undefined;
  const id = parts[1];
  return Number.isSafeInteger(id) && (id as number) > 0 ? (id as number) : undefined;
}

/** Messages are ordered by id; the cursor is the id of the oldest message already seen. */
export function encodeMessageCursor(id: number): string {
  return encodeIdCursor('m', id);
}

export function decodeMessageCursor(cursor: string): number | undefined {
  return decodeIdCursor('m', cursor);
}

export interface UserCursor {
  /** last_activity as ISO text with microseconds: a JS Date would drop them and skip rows. */
  lastActivity: string;
  userId: string;
}

const MICROSECOND_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

// A real instant (no 30 February), so PostgreSQL never sees a value it would reject.
function isMicrosecondTimestamp(text: string): boolean {
  if (!MICROSECOND_TIMESTAMP.test(text)) return false;
  const milliseconds = Date.parse(text);
  return (
    !Number.isNaN(milliseconds) &&
    new Date(milliseconds).toISOString().slice(0, 23) === text.slice(0, 23)
  );
}

export function encodeUserCursor({ lastActivity, userId }: UserCursor): string {
  return encode(['u', lastActivity, userId]);
}

export function decodeUserCursor(cursor: string): UserCursor | undefined {
  const parts = decode(cursor);
  if (parts?.length !== 3 || parts[0] !== 'u') return undefined;
  const [, lastActivity, userId] = parts;
  if (
    typeof lastActivity !== 'string' ||
    !isMicrosecondTimestamp(lastActivity) ||
    typeof userId !== 'string'
  ) {
    return undefined;
  }
  return { lastActivity, userId };
}
