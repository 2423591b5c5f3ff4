/**
 * DMCA notices and cases in PostgreSQL (db/migrations/3010_dmca.sql). The atomic rules the workflow
 * relies on are the database's: one notice per dedupe key (its unique constraint) and one open case
 * per target (a partial unique index), so concurrent notices settle in the index, not in code.
 * Rows are validated as they leave the database.
 */
import * as z from 'zod';
import { ConflictError } from '../core/errors.ts';
import { parseRows, type Queryable } from '../core/db/database.ts';
import { dmcaCounterNoticeSchema, dmcaNoticeSchema, dmcaTargetSchema, type DmcaTarget } from './dmca.schemas.ts';
import type { CaseStatus, DmcaCase, DmcaNoticeRecord, DmcaStore } from './dmca.service.ts';

const CASE_STATUSES = ['TAKEN_DOWN', 'COUNTER_NOTICED', 'SUIT_FILED', 'RESTORED'] as const;
const OPEN = `status IN ('TAKEN_DOWN', 'COUNTER_NOTICED', 'SUIT_FILED')`;

const noticeRow = z.object({
  id: z.string(),
  dedupe_key: z.string(),
  received_at: z.date(),
  notice: dmcaNoticeSchema,
  rejected_targets: z.array(dmcaTargetSchema),
});

const caseRow = z.object({
  id: z.string(),
  target_kind: z.string(),
  target_id: z.string(),
  owner_user_id: z.string(),
  status: z.enum(CASE_STATUSES),
  notice_ids: z.array(z.string()).min(1),
  taken_down_at: z.date(),
  counter_noticed_at: z.date().nullable(),
  counter_notice: dmcaCounterNoticeSchema.nullable(),
  restore_from: z.date().nullable(),
  restore_by: z.date().nullable(),
  closed_at: z.date().nullable(),
});

const CASE_COLUMNS = `id, target_kind, target_id, owner_user_id, status, notice_ids, taken_down_at, counter_noticed_at,
  counter_notice, restore_from, restore_by, closed_at`;

function toNotice(row: z.infer<typeof noticeRow>): DmcaNoticeRecord {
  return {
    id: row.id,
    dedupeKey: row.dedupe_key,
    receivedAt: row.received_at,
    notice: row.notice,
    rejectedTargets: row.rejected_targets,
  };
}

function toCase(row: z.infer<typeof caseRow>): DmcaCase {
  return {
    id: row.id,
    target: dmcaTargetSchema.parse({ kind: row.target_kind, id: row.target_id }),
    ownerUserId: row.owner_user_id,
    status: row.status,
    noticeIds: row.notice_ids,
    takenDownAt: row.taken_down_at,
    counterNoticedAt: row.counter_noticed_at,
    counterNotice: row.counter_notice,
    restoreFrom: row.restore_from,
    restoreBy: row.restore_by,
    closedAt: row.closed_at,
  };
}

export class DmcaRepository implements DmcaStore {
  constructor(private readonly db: Queryable) {}

  async noticeByKey(dedupeKey: string): Promise<DmcaNoticeRecord | undefined> {
    const { rows } = await this.db.query(
      `SELECT id, dedupe_key, received_at, notice, rejected_targets FROM dmca_notices WHERE dedupe_key = $1`,
      [dedupeKey],
    );
    return parseRows(noticeRow, rows).map(toNotice)[0];
  }

  async insertNotice(notice: DmcaNoticeRecord): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO dmca_notices (id, dedupe_key, received_at, notice, rejected_targets)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedupe_key) DO NOTHING`,
      [
        notice.id,
        notice.dedupeKey,
        notice.receivedAt,
        JSON.stringify(notice.notice),
        JSON.stringify(notice.rejectedTargets),
      ],
    );
    return rowCount === 1;
  }

  /**
   * Inserts the candidate unless the target has an open case; a losing insert waits on the winner's
   * index entry (ON CONFLICT ... DO NOTHING), then joins the committed case under its row lock. Each
   * statement sees the latest commits (read committed), so if the open case closed in between
   * (restored), the next round opens a new one.
   */
  async openCase(
    candidate: DmcaCase,
    noticeId: string,
  ): Promise<{ readonly created: boolean; readonly case: DmcaCase }> {
    for (let round = 0; round < 3; round++) {
      const inserted = await this.db.query(
        `INSERT INTO dmca_cases (id, target_kind, target_id, owner_user_id, status, notice_ids, taken_down_at)
         VALUES ($1, $2, $3, $4, 'TAKEN_DOWN', $5, $6)
         ON CONFLICT (target_kind, target_id) WHERE ${OPEN} DO NOTHING
         RETURNING ${CASE_COLUMNS}`,
        [
          candidate.id,
          candidate.target.kind,
          candidate.target.id,
          candidate.ownerUserId,
          [noticeId],
          candidate.takenDownAt,
        ],
      );
      const created = parseRows(caseRow, inserted.rows).map(toCase)[0];
      if (created) return { created: true, case: created };
      const joined = await this.db.query(
        `UPDATE dmca_cases SET notice_ids = CASE WHEN $3 = ANY (notice_ids) THEN notice_ids ELSE notice_ids || $3 END
          WHERE target_kind = $1 AND target_id = $2 AND ${OPEN}
         RETURNING ${CASE_COLUMNS}`,
        [candidate.target.kind, candidate.target.id, noticeId],
      );
      const open = parseRows(caseRow, joined.rows).map(toCase)[0];
      if (open) return { created: false, case: open };
    }
    throw new ConflictError('The case of this material is changing, retry', 'DMCA.CASE_BUSY');
  }

  async openCaseOf(target: DmcaTarget): Promise<DmcaCase | undefined> {
    const { rows } = await this.db.query(
      `SELECT ${CASE_COLUMNS} FROM dmca_cases WHERE target_kind = $1 AND target_id = $2 AND ${OPEN}`,
      [target.kind, target.id],
    );
    return parseRows(caseRow, rows).map(toCase)[0];
  }

  async caseForUpdate(caseId: string): Promise<DmcaCase | undefined> {
    const { rows } = await this.db.query(`SELECT ${CASE_COLUMNS} FROM dmca_cases WHERE id = $1 FOR UPDATE`, [caseId]);
    return parseRows(caseRow, rows).map(toCase)[0];
  }

  async updateCase(next: DmcaCase): Promise<void> {
    await this.db.query(
      `UPDATE dmca_cases SET status = $2, counter_noticed_at = $3, counter_notice = $4, restore_from = $5,
              restore_by = $6, closed_at = $7
        WHERE id = $1`,
      [
        next.id,
        next.status,
        next.counterNoticedAt,
        next.counterNotice === null ? null : JSON.stringify(next.counterNotice),
        next.restoreFrom,
        next.restoreBy,
        next.closedAt,
      ],
    );
  }

  async dueForRestore(now: Date): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM dmca_cases WHERE status = 'COUNTER_NOTICED' AND restore_from <= $1 ORDER BY restore_from`,
      [now],
    );
    return rows.map((row) => row.id);
  }

  async overdue(now: Date): Promise<DmcaCase[]> {
    const { rows } = await this.db.query(
      `SELECT ${CASE_COLUMNS} FROM dmca_cases WHERE status = 'COUNTER_NOTICED' AND restore_by < $1 ORDER BY restore_by`,
      [now],
    );
    return parseRows(caseRow, rows).map(toCase);
  }

  async queue(status: CaseStatus | undefined, limit: number): Promise<DmcaCase[]> {
    const { rows } = await this.db.query(
      `SELECT ${CASE_COLUMNS} FROM dmca_cases WHERE ($1::text IS NULL OR status = $1) ORDER BY taken_down_at, id LIMIT $2`,
      [status ?? null, limit],
    );
    return parseRows(caseRow, rows).map(toCase);
  }

  async noticesByIds(ids: readonly string[]): Promise<DmcaNoticeRecord[]> {
    const { rows } = await this.db.query(
      `SELECT id, dedupe_key, received_at, notice, rejected_targets FROM dmca_notices WHERE id = ANY($1) ORDER BY id`,
      [ids],
    );
    return parseRows(noticeRow, rows).map(toNotice);
  }

  async casesOf(ownerUserId: string, limit: number): Promise<DmcaCase[]> {
    const { rows } = await this.db.query(
      `SELECT ${CASE_COLUMNS} FROM dmca_cases WHERE owner_user_id = $1 ORDER BY taken_down_at DESC, id LIMIT $2`,
      [ownerUserId, limit],
    );
    return parseRows(caseRow, rows).map(toCase);
  }
}
