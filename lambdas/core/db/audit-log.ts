/**
 * Append-only, hash-chained audit log. Each row stores sha256(previous hash || canonical JSON of
 * its own content), so changing, deleting or reordering any row breaks every hash after it.
 * Appends are serialised with a transaction-scoped advisory lock so two writers cannot fork
 * the chain. `verifyAuditChain` recomputes the chain and names the first row that disagrees.
 */
import { createHash } from 'node:crypto';
import type { Queryable, Transaction } from './database.ts';

export const GENESIS_HASH = '0'.repeat(64);
const AUDIT_LOCK_KEY = 7_201_001; // arbitrary, fixed: the advisory lock id of the audit chain

export interface AuditEntryInput {
  readonly actor: string; // usr_… or system:<component>
  readonly action: string; // e.g. auth.login.succeeded
  readonly subject: string | null;
  readonly details: Record<string, unknown>;
}

/** JSON with keys sorted at every level: the hash must not depend on key order (jsonb reorders). */
export function canonicalJson(value: unknown): string {
  // Dates (anything with toJSON) hash as the string they are stored as, not as `{}`.
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
}

export function chainHash(
  previousHash: string,
  content: { seq: number; occurredAt: string; actor: string; action: string; subject: string | null; details: unknown },
): string {
  return createHash('sha256').update(previousHash).update(canonicalJson(content)).digest('hex');
}

export async function appendAudit(
  tx: Transaction,
  entry: AuditEntryInput,
  now: Date = new Date(),
): Promise<{ seq: number; hash: string }> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  const last = await tx.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  const previousHash = last.rows[0]?.hash ?? GENESIS_HASH;
  const seq = (last.rows[0]?.seq ?? 0) + 1;
  const occurredAt = now.toISOString();
  const hash = chainHash(previousHash, {
    seq,
    occurredAt,
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details,
  });
  await tx.query(
    `INSERT INTO audit_log (seq, occurred_at, actor, action, subject, details, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [seq, occurredAt, entry.actor, entry.action, entry.subject, JSON.stringify(entry.details), previousHash, hash],
  );
  return { seq, hash };
}

export type AuditVerification =
  | { readonly ok: true; readonly rows: number; readonly headHash: string }
  | { readonly ok: false; readonly rows: number; readonly brokenAtSeq: number; readonly reason: string };

/** Walks the whole chain in seq order, in pages, recomputing every hash. */
export async function verifyAuditChain(db: Queryable, pageSize = 5_000): Promise<AuditVerification> {
  let previousHash = GENESIS_HASH;
  let expectedSeq = 1;
  let rows = 0;
  for (;;) {
    const page = await db.query<{
      seq: number;
      occurred_at: Date;
      actor: string;
      action: string;
      subject: string | null;
      details: unknown;
      prev_hash: string;
      hash: string;
    }>(
      `SELECT seq, occurred_at, actor, action, subject, details, prev_hash, hash FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [expectedSeq, pageSize],
    );
    for (const row of page.rows) {
      rows++;
      if (row.seq !== expectedSeq)
        return { ok: false, rows, brokenAtSeq: expectedSeq, reason: `row ${expectedSeq} is missing` };
      if (row.prev_hash !== previousHash)
        return { ok: false, rows, brokenAtSeq: row.seq, reason: 'previous-hash link does not match' };
      const recomputed = chainHash(previousHash, {
        seq: row.seq,
        occurredAt: row.occurred_at.toISOString(),
        actor: row.actor,
        action: row.action,
        subject: row.subject,
        details: row.details,
      });
      if (recomputed !== row.hash)
        return { ok: false, rows, brokenAtSeq: row.seq, reason: 'content does not match its hash' };
      previousHash = row.hash;
      expectedSeq++;
    }
    if (page.rows.length < pageSize) return { ok: true, rows, headHash: previousHash };
  }
}
