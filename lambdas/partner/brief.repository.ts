/** SQL for briefs and invites (partner.brief, partner.invite). Rows are validated as they leave the database. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

const briefRow = z.object({
  brief_id: z.string(),
  client_id: z.string(),
  role: z.enum(['MODEL', 'PHOTOGRAPHER', 'VIDEOGRAPHER', 'CONTENT_CREATOR']),
  city_code: z.string(),
  date_from: z.string(),
  date_to: z.string(),
  budget_min_cents: z.number().int(),
  budget_max_cents: z.number().int(),
  currency: z.string(),
  description: z.string(),
  status: z.enum(['open', 'closed']),
  created_at: z.date(),
  updated_at: z.date(),
});
export type BriefRow = z.infer<typeof briefRow>;

const inviteRow = z.object({
  invite_id: z.string(),
  brief_id: z.string(),
  profile_id: z.string(),
  message: z.string().nullable(),
  status: z.enum(['sent', 'accepted', 'declined']),
  created_at: z.date(),
});
export type InviteRow = z.infer<typeof inviteRow>;
const INVITE_COLUMNS = 'invite_id, brief_id, profile_id, message, status, created_at';

const BRIEF_COLUMNS = `brief_id, client_id, role, city_code, date_from::text AS date_from, date_to::text AS date_to,
  budget_min_cents, budget_max_cents, currency::text AS currency, description, status, created_at, updated_at`;

export interface NewBrief {
  readonly briefId: string;
  readonly clientId: string;
  readonly role: BriefRow['role'];
  readonly cityCode: string;
  readonly dateFrom: string;
  readonly dateTo: string;
  readonly budgetMinCents: number;
  readonly budgetMaxCents: number;
  readonly currency: string;
  readonly description: string;
}

export class BriefRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts the brief if its city exists; null when it does not (nothing written). */
  async insertBrief(brief: NewBrief): Promise<BriefRow | null> {
    const result = await this.db.query(
      `INSERT INTO partner.brief (brief_id, client_id, role, city_code, date_from, date_to, budget_min_cents, budget_max_cents,
                                  currency, description)
       SELECT $1, $2, $3, c.code, $5::date, $6::date, $7, $8, $9, $10 FROM cities c WHERE c.code = $4
       RETURNING ${BRIEF_COLUMNS}`,
      [
        brief.briefId,
        brief.clientId,
        brief.role,
        brief.cityCode,
        brief.dateFrom,
        brief.dateTo,
        brief.budgetMinCents,
        brief.budgetMaxCents,
        brief.currency,
        brief.description,
      ],
    );
    return parseRows(briefRow, result.rows)[0] ?? null;
  }

  /** The brief if `clientId` owns it (others' briefs are absent alike). */
  async findBrief(briefId: string, clientId: string): Promise<BriefRow | null> {
    const result = await this.db.query(
      `SELECT ${BRIEF_COLUMNS} FROM partner.brief WHERE brief_id = $1 AND client_id = $2`,
      [briefId, clientId],
    );
    return parseRows(briefRow, result.rows)[0] ?? null;
  }

  /** The brief, locked for a change, if `clientId` owns it. */
  async lockBrief(briefId: string, clientId: string): Promise<BriefRow | null> {
    const result = await this.db.query(
      `SELECT ${BRIEF_COLUMNS} FROM partner.brief WHERE brief_id = $1 AND client_id = $2 FOR UPDATE`,
      [briefId, clientId],
    );
    return parseRows(briefRow, result.rows)[0] ?? null;
  }

  async closeBrief(briefId: string): Promise<BriefRow> {
    const result = await this.db.query(
      `UPDATE partner.brief SET status = 'closed', updated_at = now() WHERE brief_id = $1 RETURNING ${BRIEF_COLUMNS}`,
      [briefId],
    );
    return parseRows(briefRow, result.rows)[0]!;
  }

  /** The client's briefs, newest first (ids are time-ordered), after the cursor's id. */
  async listBriefs(
    clientId: string,
    options: { before?: string | undefined; status?: BriefRow['status'] | undefined; limit: number },
  ): Promise<BriefRow[]> {
    const result = await this.db.query(
      `SELECT ${BRIEF_COLUMNS} FROM partner.brief
        WHERE client_id = $1 AND ($2::text IS NULL OR brief_id < $2) AND ($3::text IS NULL OR status = $3)
        ORDER BY brief_id DESC LIMIT $4`,
      [clientId, options.before ?? null, options.status ?? null, options.limit],
    );
    return parseRows(briefRow, result.rows);
  }

  /** The client's invites (of one brief, when given), newest first, after the cursor's id. */
  async listInvites(
    clientId: string,
    options: { before?: string | undefined; briefId?: string | undefined; limit: number },
  ): Promise<InviteRow[]> {
    const result = await this.db.query(
      `SELECT ${INVITE_COLUMNS} FROM partner.invite
        WHERE client_id = $1 AND ($2::text IS NULL OR invite_id < $2) AND ($3::text IS NULL OR brief_id = $3)
        ORDER BY invite_id DESC LIMIT $4`,
      [clientId, options.before ?? null, options.briefId ?? null, options.limit],
    );
    return parseRows(inviteRow, result.rows);
  }

  /** Inserts the invite; null when this provider is already invited to this brief. */
  async insertInvite(invite: {
    inviteId: string;
    briefId: string;
    clientId: string;
    profileId: string;
    message: string | null;
  }): Promise<InviteRow | null> {
    const result = await this.db.query(
      `INSERT INTO partner.invite (invite_id, brief_id, client_id, profile_id, message) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (brief_id, profile_id) DO NOTHING
       RETURNING ${INVITE_COLUMNS}`,
      [invite.inviteId, invite.briefId, invite.clientId, invite.profileId, invite.message],
    );
    return parseRows(inviteRow, result.rows)[0] ?? null;
  }
}

export type BriefStore = PortOf<BriefRepository>;
