/**
 * What the notifications domain may read about an account: the email address of an active account,
 * nothing else (auth's `contact_directory` view, db/migrations/3142_contact_directory_view.sql: active
 * accounts only, id and email only; the notifications role has no grant on users itself).
 * Exported through lambdas/auth/index.ts; runs on the caller's own connection.
 */
import type { Queryable } from '../core/db/database.ts';

export interface ContactDirectory {
  emailOf(userId: string): Promise<string | null>;
}

export class PostgresContactDirectory implements ContactDirectory {
  constructor(private readonly db: Queryable) {}

  async emailOf(userId: string): Promise<string | null> {
    const result = await this.db.query<{ email: string | null }>('SELECT email FROM contact_directory WHERE id = $1', [
      userId,
    ]);
    return result.rows[0]?.email ?? null;
  }
}
