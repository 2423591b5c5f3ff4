/**
 * Deliverable manifests in PostgreSQL (db/migrations/3210_messaging_deliverables.sql), as the
 * messaging role: pending uploads, posted sets with their files (insert only), and the client's
 * decision (the only update the role may make). The booking's parties and status are read through
 * booking's query module, in the same transaction as the write they gate.
 */
import * as z from 'zod';
import { appendAudit, type AuditEntryInput } from '../core/db/audit-log.ts';
import { parseRows, type Database, type Queryable, type Transaction } from '../core/db/database.ts';
import { bookingCards, type BookingCardsView } from '../booking/index.ts';

export const DELIVERABLE_SET_STATUSES = ['PENDING', 'ACCEPTED', 'CHANGES_REQUESTED'] as const;
export type DeliverableSetStatus = (typeof DELIVERABLE_SET_STATUSES)[number];

const uploadRow = z.object({
  id: z.string(),
  thread_id: z.string(),
  booking_group_id: z.string(),
  uploader_user_id: z.string(),
  name: z.string(),
  content_type: z.string(),
  size_bytes: z.coerce.number(),
  declared_sha256: z.string(),
  object_key: z.string(),
  expires_at: z.date(),
});
export type DeliverableUpload = z.infer<typeof uploadRow>;

const setRow = z.object({
  id: z.string(),
  thread_id: z.string(),
  booking_group_id: z.string(),
  version: z.number().int(),
  provider_user_id: z.string(),
  client_user_id: z.string(),
  note: z.string().nullable(),
  post_key: z.string(),
  status: z.enum(DELIVERABLE_SET_STATUSES),
  decision_note: z.string().nullable(),
  decision_key: z.string().nullable(),
  decided_at: z.date().nullable(),
  created_at: z.date(),
});
export type DeliverableSetRow = z.infer<typeof setRow>;

const fileRow = z.object({
  set_id: z.string(),
  position: z.number().int(),
  upload_id: z.string(),
  name: z.string(),
  content_type: z.string(),
  size_bytes: z.coerce.number(),
  sha256: z.string(),
  object_key: z.string(),
});
export type DeliverableFileRow = z.infer<typeof fileRow>;

export interface DeliverableSetWithFiles {
  readonly set: DeliverableSetRow;
  readonly files: readonly DeliverableFileRow[];
}

const SET_COLUMNS = `id, thread_id, booking_group_id, version, provider_user_id, client_user_id, note, post_key,
  status, decision_note, decision_key, decided_at, created_at`;
const FILE_COLUMNS = 'set_id, position, upload_id, name, content_type, size_bytes, sha256, object_key';

/** What one transaction may do (posting a set, deciding on one). */
export interface DeliverablesTx {
  booking(groupId: string, viewerUserId: string): Promise<BookingCardsView | null>;
  /** Serialises writers of one thread's sets (version numbers, decisions) for this transaction. */
  lockThread(threadId: string): Promise<void>;
  setByPostKey(providerUserId: string, postKey: string): Promise<DeliverableSetWithFiles | null>;
  setForUpdate(setId: string): Promise<DeliverableSetRow | null>;
  files(setId: string): Promise<DeliverableFileRow[]>;
  latestVersion(threadId: string): Promise<number>;
  /** Deletes the caller's pending uploads being posted; answers the ones it deleted. */
  claimUploads(uploaderUserId: string, threadId: string, uploadIds: readonly string[]): Promise<DeliverableUpload[]>;
  insertSet(set: Omit<DeliverableSetRow, 'status' | 'decision_note' | 'decision_key' | 'decided_at'>): Promise<void>;
  insertFile(file: DeliverableFileRow): Promise<void>;
  decide(
    setId: string,
    decision: { status: Exclude<DeliverableSetStatus, 'PENDING'>; note: string | null; key: string; at: Date },
  ): Promise<DeliverableSetRow>;
  audit(entry: AuditEntryInput, at: Date): Promise<void>;
}

export interface DeliverablesStore {
  transaction<T>(fn: (tx: DeliverablesTx) => Promise<T>): Promise<T>;
  insertUpload(upload: DeliverableUpload & { created_at: Date }, maxPerThread: number): Promise<boolean>;
  upload(uploadId: string): Promise<DeliverableUpload | null>;
  deleteUpload(uploadId: string): Promise<void>;
  setsOfThread(threadId: string): Promise<DeliverableSetWithFiles[]>;
  file(setId: string, position: number): Promise<(DeliverableFileRow & { thread_id: string }) | null>;
  booking(groupId: string, viewerUserId: string): Promise<BookingCardsView | null>;
}

async function filesOf(db: Queryable, setIds: readonly string[]): Promise<DeliverableFileRow[]> {
  if (setIds.length === 0) return [];
  return parseRows(
    fileRow,
    (
      await db.query(
        `SELECT ${FILE_COLUMNS} FROM message_deliverable_files WHERE set_id = ANY($1::text[]) ORDER BY set_id, position`,
        [setIds],
      )
    ).rows,
  );
}

function txStore(tx: Transaction): DeliverablesTx {
  return {
    booking: (groupId, viewerUserId) => bookingCards(tx).forViewer(groupId, viewerUserId),
    async lockThread(threadId) {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('message_deliverables'), hashtext($1))`, [threadId]);
    },
    async setByPostKey(providerUserId, postKey) {
      const set = parseRows(
        setRow,
        (
          await tx.query(
            `SELECT ${SET_COLUMNS} FROM message_deliverable_sets WHERE provider_user_id = $1 AND post_key = $2`,
            [providerUserId, postKey],
          )
        ).rows,
      )[0];
      return set ? { set, files: await filesOf(tx, [set.id]) } : null;
    },
    async setForUpdate(setId) {
      return (
        parseRows(
          setRow,
          (await tx.query(`SELECT ${SET_COLUMNS} FROM message_deliverable_sets WHERE id = $1 FOR UPDATE`, [setId]))
            .rows,
        )[0] ?? null
      );
    },
    files: (setId) => filesOf(tx, [setId]),
    async latestVersion(threadId) {
      const result = await tx.query<{ version: number | null }>(
        `SELECT max(version) AS version FROM message_deliverable_sets WHERE thread_id = $1`,
        [threadId],
      );
      return result.rows[0]?.version ?? 0;
    },
    async claimUploads(uploaderUserId, threadId, uploadIds) {
      return parseRows(
        uploadRow,
        (
          await tx.query(
            `DELETE FROM message_deliverable_uploads
              WHERE id = ANY($1::text[]) AND uploader_user_id = $2 AND thread_id = $3 AND expires_at > now()
              RETURNING id, thread_id, booking_group_id, uploader_user_id, name, content_type, size_bytes,
                        declared_sha256, object_key, expires_at`,
            [uploadIds, uploaderUserId, threadId],
          )
        ).rows,
      );
    },
    async insertSet(set) {
      await tx.query(
        `INSERT INTO message_deliverable_sets
           (id, thread_id, booking_group_id, version, provider_user_id, client_user_id, note, post_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          set.id,
          set.thread_id,
          set.booking_group_id,
          set.version,
          set.provider_user_id,
          set.client_user_id,
          set.note,
          set.post_key,
          set.created_at,
        ],
      );
    },
    async insertFile(file) {
      await tx.query(
        `INSERT INTO message_deliverable_files (${FILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          file.set_id,
          file.position,
          file.upload_id,
          file.name,
          file.content_type,
          file.size_bytes,
          file.sha256,
          file.object_key,
        ],
      );
    },
    async decide(setId, decision) {
      return parseRows(
        setRow,
        (
          await tx.query(
            `UPDATE message_deliverable_sets
                SET status = $2, decision_note = $3, decision_key = $4, decided_at = $5
              WHERE id = $1 AND status = 'PENDING'
              RETURNING ${SET_COLUMNS}`,
            [setId, decision.status, decision.note, decision.key, decision.at],
          )
        ).rows,
      )[0]!;
    },
    async audit(entry, at) {
      await appendAudit(tx, entry, at);
    },
  };
}

export class PgDeliverablesStore implements DeliverablesStore {
  constructor(private readonly db: () => Promise<Database>) {}

  async transaction<T>(fn: (tx: DeliverablesTx) => Promise<T>): Promise<T> {
    return (await this.db()).transaction((tx) => fn(txStore(tx)));
  }

  async insertUpload(upload: DeliverableUpload & { created_at: Date }, maxPerThread: number): Promise<boolean> {
    const db = await this.db();
    return db.transaction(async (tx) => {
      // One uploader's reservations in a thread are counted and added under one lock (the quota holds under races).
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('message_deliverable_uploads'), hashtext($1 || $2))`, [
        upload.thread_id,
        upload.uploader_user_id,
      ]);
      const pending = await tx.query<{ count: string }>(
        `SELECT count(*) AS count FROM message_deliverable_uploads
          WHERE thread_id = $1 AND uploader_user_id = $2 AND expires_at > now()`,
        [upload.thread_id, upload.uploader_user_id],
      );
      if (Number(pending.rows[0]?.count ?? 0) >= maxPerThread) return false;
      await tx.query(
        `INSERT INTO message_deliverable_uploads
           (id, thread_id, booking_group_id, uploader_user_id, name, content_type, size_bytes, declared_sha256,
            object_key, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          upload.id,
          upload.thread_id,
          upload.booking_group_id,
          upload.uploader_user_id,
          upload.name,
          upload.content_type,
          upload.size_bytes,
          upload.declared_sha256,
          upload.object_key,
          upload.created_at,
          upload.expires_at,
        ],
      );
      return true;
    });
  }

  async upload(uploadId: string): Promise<DeliverableUpload | null> {
    const db = await this.db();
    return (
      parseRows(
        uploadRow,
        (
          await db.query(
            `SELECT id, thread_id, booking_group_id, uploader_user_id, name, content_type, size_bytes, declared_sha256,
                    object_key, expires_at
               FROM message_deliverable_uploads WHERE id = $1 AND expires_at > now()`,
            [uploadId],
          )
        ).rows,
      )[0] ?? null
    );
  }

  async deleteUpload(uploadId: string): Promise<void> {
    await (await this.db()).query(`DELETE FROM message_deliverable_uploads WHERE id = $1`, [uploadId]);
  }

  async setsOfThread(threadId: string): Promise<DeliverableSetWithFiles[]> {
    const db = await this.db();
    const sets = parseRows(
      setRow,
      (
        await db.query(
          `SELECT ${SET_COLUMNS} FROM message_deliverable_sets WHERE thread_id = $1 ORDER BY version DESC LIMIT 50`,
          [threadId],
        )
      ).rows,
    );
    const files = await filesOf(
      db,
      sets.map((set) => set.id),
    );
    return sets.map((set) => ({ set, files: files.filter((file) => file.set_id === set.id) }));
  }

  async file(setId: string, position: number): Promise<(DeliverableFileRow & { thread_id: string }) | null> {
    const db = await this.db();
    return (
      parseRows(
        fileRow.extend({ thread_id: z.string() }),
        (
          await db.query(
            `SELECT f.set_id, f.position, f.upload_id, f.name, f.content_type, f.size_bytes, f.sha256, f.object_key,
                    s.thread_id
               FROM message_deliverable_files f JOIN message_deliverable_sets s ON s.id = f.set_id
              WHERE f.set_id = $1 AND f.position = $2`,
            [setId, position],
          )
        ).rows,
      )[0] ?? null
    );
  }

  async booking(groupId: string, viewerUserId: string): Promise<BookingCardsView | null> {
    return bookingCards(await this.db()).forViewer(groupId, viewerUserId);
  }
}

/** Account erasure: deletes the account's unposted uploads; answers their object keys (to delete next). */
export async function eraseDeliverableUploadsOf(db: Queryable, userId: string): Promise<string[]> {
  const deleted = await db.query<{ object_key: string }>(
    `DELETE FROM message_deliverable_uploads WHERE uploader_user_id = $1 RETURNING object_key`,
    [userId],
  );
  return deleted.rows.map((row) => row.object_key);
}
