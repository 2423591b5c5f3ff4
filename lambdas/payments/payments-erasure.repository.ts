/**
 * Payments' part of account deletion, in SQL: authorisations, transfers and the payout account are
 * kept (accounting and Stripe reconciliation need them), with the account's id replaced by a
 * pseudonym that names no account. Stripe's own ids (pi_, acct_, tr_) stay: they are the references
 * the law and disputes need, and hold no name.
 */
import type { Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

export class PaymentsErasureRepository {
  constructor(private readonly db: Queryable) {}

  async pseudonymise(
    userId: string,
    pseudonym: string,
  ): Promise<{ authorizations: number; transfers: number; payoutAccounts: number }> {
    const count = async (text: string) => (await this.db.query(text, [userId, pseudonym])).rowCount ?? 0;
    return {
      authorizations: await count('UPDATE payment_authorizations SET client_user_id = $2 WHERE client_user_id = $1'),
      transfers: await count('UPDATE payment_transfers SET payee_user_id = $2 WHERE payee_user_id = $1'),
      payoutAccounts: await count('UPDATE payout_accounts SET user_id = $2, updated_at = now() WHERE user_id = $1'),
    };
  }
}

export type PaymentsErasureStore = PortOf<PaymentsErasureRepository>;
