/**
 * Payments' part of account deletion, in SQL: authorisations, transfers and the payout account are
 * kept (accounting and Stripe reconciliation need them), with the account's id replaced by a
 * pseudonym that names no account. Stripe's own ids (pi_, acct_, tr_) stay: they are the references
 * the law and disputes need, and hold no name. The PaymentIntent request log keeps its amounts, and
 * the provider's payable ledger account is renamed to the pseudonym (its lines and amounts unchanged).
 */
import type { Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { providerPayable } from './ledger.ts';

export class PaymentsErasureRepository {
  constructor(private readonly db: Queryable) {}

  async pseudonymise(
    userId: string,
    pseudonym: string,
  ): Promise<{
    authorizations: number;
    transfers: number;
    payoutAccounts: number;
    intentRequests: number;
    moneyRequests: number;
    ledgerLines: number;
    stripeEvents: number;
  }> {
    const count = async (text: string) => (await this.db.query(text, [userId, pseudonym])).rowCount ?? 0;
    return {
      intentRequests: await count('UPDATE payment_intent_requests SET client_user_id = $2 WHERE client_user_id = $1'),
      // A transfer or reversal request records its payee (details.payeeUserId) for the second step's
      // ledger entry: the pseudonym takes its place, as in the ledger account renamed below.
      moneyRequests: await count(
        `UPDATE payment_money_requests SET details = replace(details::text, $1, $2)::jsonb WHERE strpos(details::text, $1) > 0`,
      ),
      ledgerLines: await this.renamePayable(userId, pseudonym),
      // Stripe's event objects as received (metadata of PaymentIntents and connected accounts names
      // the account): the id becomes the pseudonym wherever it appears. A scan, but erasure is rare.
      stripeEvents: await count(
        `UPDATE stripe_events SET payload = replace(payload::text, $1, $2)::jsonb WHERE strpos(payload::text, $1) > 0`,
      ),
      // The Stripe customer and saved card link the record back to the account (the customer's
      // metadata.user_id) and could be charged again: cleared, except on a hold still authorised,
      // which a renewal may need until it is captured or voided.
      authorizations: await count(
        `UPDATE payment_authorizations
            SET client_user_id = $2,
                stripe_customer_id = CASE WHEN status = 'authorized' THEN stripe_customer_id END,
                payment_method_id = CASE WHEN status = 'authorized' THEN payment_method_id END
          WHERE client_user_id = $1`,
      ),
      transfers: await count('UPDATE payment_transfers SET payee_user_id = $2 WHERE payee_user_id = $1'),
      payoutAccounts:
        (await count('UPDATE payout_accounts SET user_id = $2, updated_at = now() WHERE user_id = $1')) +
        (await count('UPDATE payout_account_requests SET user_id = $2 WHERE user_id = $1')),
    };
  }

  /**
   * The provider's payable account `provider_payable:<userId>` becomes `provider_payable:<pseudonym>`:
   * a new account row, its lines moved (only their account code changes: amounts and entries stay,
   * the migration's trigger allows exactly this inside a declared erasure), the old name deleted.
   */
  private async renamePayable(userId: string, pseudonym: string): Promise<number> {
    const from = providerPayable(userId);
    const to = providerPayable(pseudonym);
    const exists = await this.db.query('SELECT 1 FROM ledger_accounts WHERE code = $1', [from]);
    if (!exists.rowCount) return 0;
    await this.db.query(`SELECT set_config('rastup.ledger_erasure', 'on', true)`);
    await this.db.query(
      `INSERT INTO ledger_accounts (code, kind) VALUES ($1, 'provider_payable') ON CONFLICT (code) DO NOTHING`,
      [to],
    );
    const moved = await this.db.query('UPDATE journal_lines SET account_code = $2 WHERE account_code = $1', [from, to]);
    await this.db.query('DELETE FROM ledger_accounts WHERE code = $1', [from]);
    await this.db.query(`SELECT set_config('rastup.ledger_erasure', 'off', true)`);
    return moved.rowCount ?? 0;
  }
}

export type PaymentsErasureStore = PortOf<PaymentsErasureRepository>;
