/**
 * Opaque cursors and HTTP validators for the /v1 reads.
 *
 * A cursor is base64url of the last row's key and a hash of the filters it was made under (seed
 * 000 §1.27.8): a cursor used with other filters is refused instead of silently skipping rows.
 * ETag is a hash of the answer's bytes; Last-Modified the newest `updatedAt` in it. A matching
 * If-None-Match (or, without one, an If-Modified-Since not older than Last-Modified) gets 304.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/db/audit-log.ts';
import { InvalidCursorError } from './partner.errors.ts';

function filterHash(filters: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(filters)).digest('base64url').slice(0, 12);
}

export function encodeCursor(after: string, filters: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ a: after, f: filterHash(filters) })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, filters: Record<string, unknown>): string | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('The cursor is not one this API issued');
  }
  const value = parsed as { a?: unknown; f?: unknown };
  if (typeof value?.a !== 'string' || typeof value.f !== 'string')
    throw new InvalidCursorError('The cursor is not one this API issued');
  if (value.f !== filterHash(filters))
    throw new InvalidCursorError('The cursor belongs to a listing with other filters');
  return value.a;
}

export interface Validators {
  readonly etag: string;
  readonly lastModified: string | undefined;
}

export function validatorsOf(body: unknown, updatedAt: readonly string[]): Validators {
  const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;
  const newest = updatedAt.reduce<number>((max, value) => Math.max(max, Date.parse(value)), 0);
  return { etag, lastModified: newest > 0 ? new Date(newest).toUTCString() : undefined };
}

/** RFC 9110 §13.1: If-None-Match wins over If-Modified-Since; weak comparison for GET. */
export function notModified(
  validators: Validators,
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
): boolean {
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(validators.etag);
  }
  if (ifModifiedSince !== undefined && validators.lastModified !== undefined) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && Date.parse(validators.lastModified) <= since;
  }
  return false;
}
