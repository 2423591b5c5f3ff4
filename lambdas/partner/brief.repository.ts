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

const BRIEF_COLUMNS = `brief_id, client_id, role, city_code, date_from::text AS date_from, date_to::text AS date_to,
  budget_min_cents, budget_max_cents, currency::text AS currency, description, status, created_at`;

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
       RETURNING invite_id, brief_id, profile_id, message, status, created_at`,
      [invite.inviteId, invite.briefId, invite.clientId, invite.profileId, invite.message],
    );
    return parseRows(inviteRow, result.rows)[0] ?? null;
  }
}

export type BriefStore = PortOf<BriefRepository>;
