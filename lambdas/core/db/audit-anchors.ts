/**
 * WORM anchors of the audit chain (issue #16): the chain's head (seq, hash) written on a schedule
 * to write-once storage (S3 Object Lock, COMPLIANCE mode, in AWS). The hash chain alone shows a
 * changed row only until someone recomputes every later hash; an anchor stored where nobody can
 * rewrite it pins the hash at its seq, so a row changed before an anchor is detected even after
 * such a recomputation, and a truncated tail (an anchored seq that no longer exists) too.
 */
import * as z from 'zod';
import { AppError } from '../errors.ts';
import type { Queryable } from './database.ts';
import { verifyAuditChain, type AuditVerification } from './audit-log.ts';

export const anchorSchema = z.object({
  seq: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  anchoredAt: z.iso.datetime(),
});
export type AuditAnchor = z.infer<typeof anchorSchema>;

/**
 * Write-once storage of anchors: `putNew` never replaces an object (false when the key exists).
 * `list` reads every version of every anchor and throws AnchorIntegrityError when one is hidden
 * (its latest version a delete marker) or a stored body does not match its key.
 */
export interface AnchorStore {
  putNew(key: string, body: string): Promise<boolean>;
  list(): Promise<AuditAnchor[]>;
  /** The listing check alone (no bodies read), cheap enough for every run of the job: the count of versions. */
  assertNoneHidden(): Promise<number>;
}

/**
 * The anchors themselves were tampered with. Object Lock keeps every locked version, but a plain
 * DeleteObject on a versioned bucket still succeeds by adding a delete marker, after which a plain
 * listing no longer shows the anchor — and a truncated or rewritten chain behind it would pass.
 * The bucket policy denies deletes; this is what catches it if that policy was ever lifted.
 */
export class AnchorIntegrityError extends AppError {
  readonly httpStatus = 409;
  readonly errorType: string;
  constructor(
    readonly code: 'AUDIT.ANCHOR_HIDDEN' | 'AUDIT.ANCHOR_MISMATCH',
    message: string,
    readonly key: string,
  ) {
    super(message, { key });
    this.errorType = code.slice('AUDIT.'.length);
  }
}

/** The anchor a stored body claims, checked against the key it was written under. */
export function parseStoredAnchor(key: string, body: string): AuditAnchor {
  let anchor: AuditAnchor;
  try {
    anchor = anchorSchema.parse(JSON.parse(body));
  } catch {
    throw new AnchorIntegrityError('AUDIT.ANCHOR_MISMATCH', `anchor ${key} does not hold an anchor`, key);
  }
  if (anchorKey(anchor.seq, anchor.hash) !== key)
    throw new AnchorIntegrityError(
      'AUDIT.ANCHOR_MISMATCH',
      `anchor ${key} holds seq ${anchor.seq} / ${anchor.hash}, not what its key names`,
      key,
    );
  return anchor;
}

export const ANCHOR_PREFIX = 'anchors/';

/** One key per head: re-anchoring an unchanged head finds its object and writes nothing. */
export function anchorKey(seq: number, hash: string): string {
  return `${ANCHOR_PREFIX}${String(seq).padStart(12, '0')}-${hash}.json`;
}

export type AnchorOutcome =
  | { readonly kind: 'anchored'; readonly anchor: AuditAnchor; readonly key: string }
  | { readonly kind: 'unchanged'; readonly key: string }
  | { readonly kind: 'empty' };

/** Writes the current head as an anchor (needs SELECT (seq, hash) on audit_log only). */
export async function anchorAuditHead(db: Queryable, store: AnchorStore, now: Date): Promise<AnchorOutcome> {
  const { rows } = await db.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  const head = rows[0];
  if (!head) return { kind: 'empty' };
  const anchor = anchorSchema.parse({ seq: Number(head.seq), hash: head.hash, anchoredAt: now.toISOString() });
  const key = anchorKey(anchor.seq, anchor.hash);
  return (await store.putNew(key, JSON.stringify(anchor)))
    ? { kind: 'anchored', anchor, key }
    : { kind: 'unchanged', key };
}

export type AnchoredVerification =
  | (AuditVerification & { readonly ok: true; readonly anchors: number })
  | { readonly ok: false; readonly rows: number; readonly brokenAtSeq: number; readonly reason: string };

/**
 * The chain recomputed (verifyAuditChain), then each anchor against it: the row at an anchored seq
 * must exist and carry the anchored hash. An intact chain whose hash at an anchor differs was
 * rewritten from some row at or before that seq.
 */
export async function verifyAuditChainWithAnchors(
  db: Queryable,
  anchors: readonly AuditAnchor[],
): Promise<AnchoredVerification> {
  const chain = await verifyAuditChain(db);
  if (!chain.ok) return chain;
  const sorted = [...anchors].sort((a, b) => a.seq - b.seq);
  for (const anchor of sorted) {
    const { rows } = await db.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [anchor.seq]);
    if (!rows[0])
      return {
        ok: false,
        rows: chain.rows,
        brokenAtSeq: anchor.seq,
        reason: `anchored row ${anchor.seq} (anchored ${anchor.anchoredAt}) is missing: the chain was truncated`,
      };
    if (rows[0].hash !== anchor.hash)
      return {
        ok: false,
        rows: chain.rows,
        brokenAtSeq: anchor.seq,
        reason: `hash at seq ${anchor.seq} differs from its anchor of ${anchor.anchoredAt}: a row at or before it was changed and the chain recomputed`,
      };
  }
  return { ...chain, anchors: sorted.length };
}
