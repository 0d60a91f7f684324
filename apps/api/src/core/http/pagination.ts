/** The largest page any list returns (spec section 8). */
export const MAX_PAGE_LIMIT = 200;

export function clampLimit(limit: number): number {
  return Math.min(Math.max(Math.trunc(limit) || 1, 1), MAX_PAGE_LIMIT);
}

/**
 * Opaque page cursors: base64url of a small JSON array, so clients pass them back unchanged
 * and never build them. Decoding returns undefined for anything these functions did not make.
 */
export function encodeCursor(parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): unknown[] | undefined {
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
  return encodeCursor([list, id]);
}

export function decodeIdCursor(list: string, cursor: string): number | undefined {
  const parts = decodeCursor(cursor);
  if (parts?.length !== 2 || parts[0] !== list) return undefined;
  const id = parts[1];
  return Number.isSafeInteger(id) && (id as number) > 0 ? (id as number) : undefined;
}

export interface KeysetPage<Row> {
  items: Row[];
  nextCursor: string | null;
}

/**
 * One page of a keyset list. `rows` come in list order, fetched with one row more than `size`:
 * that extra row only tells that a next page exists. The cursor names the last row kept
 * (`index` is its position, for cursors built from data fetched alongside the rows).
 */
export function keysetPage<Row>(
  rows: readonly Row[],
  size: number,
  cursorOf: (last: Row, index: number) => string,
): KeysetPage<Row> {
  const items = rows.slice(0, size);
  const last = items.at(-1);
  const hasMore = rows.length > size && last !== undefined;
  return { items, nextCursor: hasMore ? cursorOf(last, items.length - 1) : null };
}
