import {
  decodeCursor,
  decodeIdCursor,
  encodeCursor,
  encodeIdCursor,
} from '../../core/http/pagination';

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
  return encodeCursor(['u', lastActivity, userId]);
}

export function decodeUserCursor(cursor: string): UserCursor | undefined {
  const parts = decodeCursor(cursor);
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
