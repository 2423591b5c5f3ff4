/**
 * What the notifications domain may read about an account: the email address of an active account,
 * nothing else (a column grant on users(id, email, status), db/migrations/2100_staff_notifications.sql).
 * Exported through lambdas/auth/index.ts; runs on the caller's own connection.
 */
import type { Queryable } from '../core/db/database.ts';

export interface ContactDirectory {
  emailOf(userId: string): Promise<string | null>;
}

export class PostgresContactDirectory implements ContactDirectory {
  constructor(private readonly db: Queryable) {}

  async emailOf(userId: string): Promise<string | null> {
    const result = await this.db.query<{ email: string | null }>(
      "SELECT email FROM users WHERE id = $1 AND status = 'active'",
      [userId],
    );
    return result.rows[0]?.email ?? null;
  }
}
