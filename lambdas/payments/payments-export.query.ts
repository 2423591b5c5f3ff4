/**
 * Payments' part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain: payment
 * references (authorisations the account paid, transfers it received, its payout account status,
 * checkout requests), with the Stripe customer and saved card (pm_ id) a renewal charges. No card
 * data is stored here; Stripe's client secret and raw event objects stay out.
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function paymentsExportSection(db: Queryable, userId: string): Promise<Record<string, JsonRow[]>> {
  const [authorizations, transfers, payoutAccount, checkoutRequests] = await Promise.all([
    jsonRows(
      db,
      `SELECT group_id, amount_cents, currency, payment_intent_id, charge_id, status, captured_cents, refunded_cents,
              void_reason, stripe_customer_id, payment_method_id, created_at, updated_at
         FROM payment_authorizations WHERE client_user_id = $1`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT id, group_id, leg_id, stripe_account_id, amount_cents, reversed_cents, created_at
         FROM payment_transfers WHERE payee_user_id = $1`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT stripe_account_id, details_submitted, payouts_enabled, charges_enabled, requirements_due, status_as_of,
              created_at, updated_at
         FROM payout_accounts WHERE user_id = $1`,
      [userId],
    ),
    jsonRows(
      db,
      `SELECT group_id, amount_cents, currency, quote, created_at FROM payment_intent_requests WHERE client_user_id = $1`,
      [userId],
    ),
  ]);
  return { authorizations, transfers, payoutAccount, checkoutRequests };
}
