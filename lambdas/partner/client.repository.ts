/** SQL for partner clients (partner.client). Rows are validated as they leave the database. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

const clientRow = z.object({
  client_id: z.string(),
  name: z.string(),
  status: z.enum(['active', 'suspended']),
  scopes: z.array(z.string()),
  secret_hash: z.string(),
  tokens_valid_after: z
    .union([z.date(), z.literal(-Infinity)])
    .transform((value) => (value instanceof Date ? value.getTime() : 0)),
  requests_per_minute: z.number().int(),
  account_user_id: z.string().nullable(),
});
export type ClientRow = z.infer<typeof clientRow>;

export interface NewClient {
  readonly clientId: string;
  readonly name: string;
  readonly contactEmail: string;
  readonly scopes: readonly string[];
  readonly secretHash: string;
  readonly requestsPerMinute: number;
  /** The RastUp account the client acts for (its orders and payouts); none by default. */
  readonly accountUserId?: string | undefined;
}

const COLUMNS =
  'client_id, name, status, scopes, secret_hash, tokens_valid_after, requests_per_minute, account_user_id';

export class ClientRepository {
  constructor(private readonly db: Queryable) {}

  async find(clientId: string): Promise<ClientRow | null> {
    const result = await this.db.query(`SELECT ${COLUMNS} FROM partner.client WHERE client_id = $1`, [clientId]);
    return parseRows(clientRow, result.rows)[0] ?? null;
  }

  async insert(client: NewClient): Promise<void> {
    await this.db.query(
      `INSERT INTO partner.client (client_id, name, contact_email, status, scopes, secret_hash, requests_per_minute,
                                   account_user_id)
       VALUES ($1, $2, $3, 'active', $4, $5, $6, $7)`,
      [
        client.clientId,
        client.name,
        client.contactEmail,
        client.scopes,
        client.secretHash,
        client.requestsPerMinute,
        client.accountUserId ?? null,
      ],
    );
  }

  /** Suspends or reactivates; either way tokens issued before now stop working. */
  async setStatus(clientId: string, status: 'active' | 'suspended'): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE partner.client SET status = $2, tokens_valid_after = now(), updated_at = now() WHERE client_id = $1`,
      [clientId, status],
    );
    return (result.rowCount ?? 0) > 0;
  }
}

export type ClientStore = PortOf<ClientRepository>;
