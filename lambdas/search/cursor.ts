/**
 * Opaque page cursors (NTB-SEARCH-005): base64url of the position and a hash of the filters the
 * page belongs to. No internal ids inside. A cursor replayed with other filters is refused.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { CursorFilterMismatchError, InvalidCursorError } from './search.errors.ts';

/** The furthest a client may page (deep pages are a scraping pattern, not a search one). */
export const MAX_OFFSET = 1_000;

const cursorBody = z.object({ v: z.literal(1), o: z.number().int().min(0).max(MAX_OFFSET), h: z.string().length(16) });

/** A stable hash of the filters (sort included, page size excluded). */
export function filterHash(filters: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(filters)
      .sort()
      .map((key) => [key, filters[key] ?? null]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function encodeCursor(offset: number, hash: string): string {
  return Buffer.from(JSON.stringify({ v: 1, o: offset, h: hash })).toString('base64url');
}

/** The offset a cursor points at, if it was issued for these filters. */
export function decodeCursor(cursor: string, hash: string): number {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('The cursor is not valid');
  }
  const parsed = cursorBody.safeParse(body);
  if (!parsed.success) throw new InvalidCursorError('The cursor is not valid');
  if (parsed.data.h !== hash)
    throw new CursorFilterMismatchError('The cursor belongs to a search with other filters; start from the first page');
  return parsed.data.o;
}
