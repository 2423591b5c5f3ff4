/** SQL for verification requests; the newest row per subject is its current status. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

export const verificationRow = z.object({
  id: z.string(),
  subject_type: z.enum(['IDENTITY', 'STUDIO']),
  subject_id: z.string(),
  owner_user_id: z.string(),
  status: z.enum(['PENDING', 'VERIFIED', 'REJECTED']),
  document_media_id: z.string().nullable(),
  reason: z.string().nullable(),
  created_at: z.date(),
  decided_at: z.date().nullable(),
});
export type VerificationRow = z.infer<typeof verificationRow>;
const COLUMNS =
  'id, subject_type, subject_id, owner_user_id, status, document_media_id, reason, created_at, decided_at';

export class VerificationRepository {
  constructor(private readonly db: Queryable) {}

  async latest(subjectType: 'IDENTITY' | 'STUDIO', subjectId: string): Promise<VerificationRow | null> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM verifications WHERE subject_type = $1 AND subject_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`,
      [subjectType, subjectId],
    );
    return parseRows(verificationRow, result.rows)[0] ?? null;
  }

  async findById(id: string, forUpdate = false): Promise<VerificationRow | null> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM verifications WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return parseRows(verificationRow, result.rows)[0] ?? null;
  }

  async insert(row: {
    id: string;
    subjectType: 'IDENTITY' | 'STUDIO';
    subjectId: string;
    ownerUserId: string;
    documentMediaId: string;
  }): Promise<VerificationRow> {
    const result = await this.db.query(
      `INSERT INTO verifications (id, subject_type, subject_id, owner_user_id, status, document_media_id) VALUES ($1, $2, $3, $4, 'PENDING', $5) RETURNING ${COLUMNS}`,
      [row.id, row.subjectType, row.subjectId, row.ownerUserId, row.documentMediaId],
    );
    return parseRows(verificationRow, result.rows)[0]!;
  }

  async decide(
    id: string,
    status: 'VERIFIED' | 'REJECTED',
    adminId: string,
    reason: string | null,
  ): Promise<VerificationRow | null> {
    const result = await this.db.query(
      `UPDATE verifications SET status = $2, decided_by = $3, reason = $4, decided_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING ${COLUMNS}`,
      [id, status, adminId, reason],
    );
    return parseRows(verificationRow, result.rows)[0] ?? null;
  }

  async pending(limit = 100): Promise<VerificationRow[]> {
    return parseRows(
      verificationRow,
      (
        await this.db.query(
          `SELECT ${COLUMNS} FROM verifications WHERE status = 'PENDING' ORDER BY created_at LIMIT $1`,
          [limit],
        )
      ).rows,
    );
  }

  /** Serialises requests for one subject, so two cannot both pass the "one pending" check. */
  async lockSubject(subjectId: string): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`verification:${subjectId}`]);
  }
}

export type VerificationStore = PortOf<VerificationRepository>;
