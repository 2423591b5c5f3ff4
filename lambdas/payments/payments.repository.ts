/** SQL for authorisations, refunds, transfers, payout accounts, disputes and received Stripe events. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { AUTHORIZATION_STATUSES, type AuthorizationStatus } from './payments.state.ts';

/** A timestamp read as a Date (pg) or ISO text (to_jsonb); null stays null. */
const nullableDate = z.preprocess(
  (value) => (value === null || value === undefined ? null : new Date(value as string | Date)),
  z.date().nullable(),
);

const authorizationRow = z.object({
  group_id: z.string(),
  client_user_id: z.string(),
  amount_cents: z.coerce.number().int(),
  currency: z.string(),
  payment_intent_id: z.string(),
  charge_id: z.string().nullable(),
  client_secret: z.string().nullable(),
  status: z.enum(AUTHORIZATION_STATUSES),
  captured_cents: z.coerce.number().int(),
  refunded_cents: z.coerce.number().int(),
  void_reason: z.string().nullable(),
  capture_before: nullableDate,
  stripe_customer_id: z.string().nullable(),
  payment_method_id: z.string().nullable(),
  settle_requested_at: nullableDate,
});
export type AuthorizationRow = z.infer<typeof authorizationRow>;
const AUTH_COLUMNS = `group_id, client_user_id, amount_cents, currency, payment_intent_id, charge_id, client_secret,
  status, captured_cents, refunded_cents, void_reason, capture_before, stripe_customer_id, payment_method_id,
  settle_requested_at`;

/** A renewal of a lapsing authorisation, recorded before Stripe is asked (migration 3160). */
const reauthorizationRow = z.object({
  idempotency_key: z.string(),
  group_id: z.string(),
  replaces_intent_id: z.string(),
  new_intent_id: z.string().nullable(),
  state: z.enum(['requested', 'replaced', 'action_required', 'superseded']),
  failure_reason: z.enum(['authentication_required', 'card_declined', 'no_saved_card', 'card_unusable']).nullable(),
});
export type ReauthorizationRow = z.infer<typeof reauthorizationRow>;
export type ReauthorizationFailure = NonNullable<ReauthorizationRow['failure_reason']>;
const REAUTH_COLUMNS = 'idempotency_key, group_id, replaces_intent_id, new_intent_id, state, failure_reason';

const payoutRow = z.object({
  user_id: z.string(),
  stripe_account_id: z.string(),
  details_submitted: z.boolean(),
  payouts_enabled: z.boolean(),
  charges_enabled: z.boolean(),
  requirements_due: z.array(z.string()),
  status_as_of: z.coerce.number(),
});
export type PayoutAccountRow = z.infer<typeof payoutRow>;

const transferRow = z.object({
  id: z.string(),
  group_id: z.string(),
  leg_id: z.string(),
  payee_user_id: z.string(),
  amount_cents: z.coerce.number().int(),
});
export type TransferRow = z.infer<typeof transferRow>;

/** What completion pays out per leg: the confirmed quote's split (payee subtotal, platform fee, tax). */
export const checkoutQuoteRecord = z.object({
  quoteId: z.string(),
  legs: z.array(
    z.object({
      legId: z.string(),
      listingId: z.string(),
      payeeUserId: z.string(),
      subtotalCents: z.number().int(),
      platformFeeCents: z.number().int(),
      taxCents: z.number().int(),
      /** The cancellation policy the signed quote showed for the leg (the client accepts it by confirming). */
      cancellationPolicy: z.string().nullable().optional(),
    }),
  ),
});
export type CheckoutQuoteRecord = z.infer<typeof checkoutQuoteRecord>;

const intentRequestRow = z.object({
  group_id: z.string(),
  client_user_id: z.string(),
  amount_cents: z.coerce.number().int(),
  currency: z.string(),
  quote: checkoutQuoteRecord.nullable(),
});
export type IntentRequestRow = z.infer<typeof intentRequestRow>;

const refundRow = z.object({ id: z.string(), amount_cents: z.coerce.number().int() });

/** A refund or transfer recorded (and committed) before its Stripe call (migration 3030). */
const moneyRequestRow = z.object({
  idempotency_key: z.string(),
  group_id: z.string(),
  kind: z.enum(['refund', 'transfer', 'reversal']),
  amount_cents: z.coerce.number().int(),
  details: z.record(z.string(), z.unknown()),
  stripe_object_id: z.string().nullable(),
  completed_at: z.date().nullable(),
});
export type MoneyRequestRow = z.infer<typeof moneyRequestRow>;
const MONEY_REQUEST_COLUMNS = 'idempotency_key, group_id, kind, amount_cents, details, stripe_object_id, completed_at';

/** Stripe's closed dispute statuses: nothing moves a dispute out of them. */
export const CLOSED_DISPUTE_STATUSES = ['won', 'lost', 'warning_closed', 'prevented'] as const;
const CLOSED_DISPUTE_SQL = CLOSED_DISPUTE_STATUSES.map((status) => `'${status}'`).join(', ');

export class PaymentsRepository {
  constructor(private readonly db: Queryable) {}

  /** The authorisation a group was asked for, recorded (and committed) before Stripe is called. */
  async findIntentRequest(groupId: string): Promise<IntentRequestRow | null> {
    const result = await this.db.query(
      'SELECT group_id, client_user_id, amount_cents, currency, quote FROM payment_intent_requests WHERE group_id = $1',
      [groupId],
    );
    return parseRows(intentRequestRow, result.rows)[0] ?? null;
  }

  /**
   * Checkout's first step in one round trip: records the request unless the group has one (or an
   * authorisation) already, and answers the group's request and authorisation as they stand. Under a
   * race the request another caller committed after this statement's snapshot is not visible here
   * (`request` null while nothing was inserted): the caller reads it again.
   */
  async requestIntent(row: {
    groupId: string;
    clientUserId: string;
    amountCents: number;
    currency: string;
    quote: CheckoutQuoteRecord | null;
  }): Promise<{ request: IntentRequestRow | null; authorization: AuthorizationRow | null }> {
    const result = await this.db.query<{ request: unknown; authorization: unknown }>(
      `WITH inserted AS (
         INSERT INTO payment_intent_requests (group_id, client_user_id, amount_cents, currency, quote)
         SELECT $1, $2, $3, $4, $5::jsonb
         WHERE NOT EXISTS (SELECT 1 FROM payment_authorizations WHERE group_id = $1)
         ON CONFLICT (group_id) DO NOTHING
         RETURNING group_id, client_user_id, amount_cents, currency, quote
       ), request AS (
         SELECT * FROM inserted
         UNION ALL
         SELECT group_id, client_user_id, amount_cents, currency, quote FROM payment_intent_requests
         WHERE group_id = $1 AND NOT EXISTS (SELECT 1 FROM inserted)
       )
       SELECT (SELECT to_jsonb(r) FROM request r LIMIT 1) AS request,
              (SELECT to_jsonb(a) FROM (SELECT ${AUTH_COLUMNS} FROM payment_authorizations WHERE group_id = $1) a) AS authorization`,
      [
        row.groupId,
        row.clientUserId,
        row.amountCents,
        row.currency,
        row.quote === null ? null : JSON.stringify(row.quote),
      ],
    );
    const found = result.rows[0];
    return {
      request: found?.request ? parseRows(intentRequestRow, [found.request])[0]! : null,
      authorization: found?.authorization ? parseRows(authorizationRow, [found.authorization])[0]! : null,
    };
  }

  /**
   * Serialises everything about one booking group (or payee) until the transaction ends. A row that
   * does not exist yet locks nothing under FOR UPDATE; the advisory lock covers the first write too.
   */
  async lockKey(key: string): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`payments:${key}`]);
  }

  async findAuthorization(groupId: string): Promise<AuthorizationRow | null> {
    const result = await this.db.query(`SELECT ${AUTH_COLUMNS} FROM payment_authorizations WHERE group_id = $1`, [
      groupId,
    ]);
    return parseRows(authorizationRow, result.rows)[0] ?? null;
  }

  /** Without a row lock: callers take the group's advisory lock first, then lock rows. */
  async groupOfIntent(paymentIntentId: string): Promise<string | null> {
    const result = await this.db.query<{ group_id: string }>(
      'SELECT group_id FROM payment_authorizations WHERE payment_intent_id = $1',
      [paymentIntentId],
    );
    return result.rows[0]?.group_id ?? null;
  }

  async findAuthorizationByIntent(paymentIntentId: string): Promise<AuthorizationRow | null> {
    const result = await this.db.query(
      `SELECT ${AUTH_COLUMNS} FROM payment_authorizations WHERE payment_intent_id = $1 FOR UPDATE`,
      [paymentIntentId],
    );
    return parseRows(authorizationRow, result.rows)[0] ?? null;
  }

  /**
   * Records Stripe's answer for a group once, in one statement: null when another caller recorded
   * one first (the caller reads that one; the conflicting insert has committed by then).
   */
  async insertAuthorization(row: {
    groupId: string;
    clientUserId: string;
    amountCents: number;
    currency: string;
    paymentIntentId: string;
    clientSecret: string | null;
    chargeId: string | null;
    status: AuthorizationStatus;
    capturedCents: number;
    stripeCustomerId?: string | null;
  }): Promise<AuthorizationRow | null> {
    const result = await this.db.query(
      `INSERT INTO payment_authorizations
         (group_id, client_user_id, amount_cents, currency, payment_intent_id, client_secret, charge_id, status,
          captured_cents, stripe_customer_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT DO NOTHING
       RETURNING ${AUTH_COLUMNS}`,
      [
        row.groupId,
        row.clientUserId,
        row.amountCents,
        row.currency,
        row.paymentIntentId,
        row.clientSecret,
        row.chargeId,
        row.status,
        row.capturedCents,
        row.stripeCustomerId ?? null,
      ],
    );
    return parseRows(authorizationRow, result.rows)[0] ?? null;
  }

  /** The Stripe customer a client's earlier checkout made (their card is saved on it), if any. */
  async customerOf(clientUserId: string): Promise<string | null> {
    const result = await this.db.query<{ stripe_customer_id: string }>(
      `SELECT stripe_customer_id FROM payment_authorizations
        WHERE client_user_id = $1 AND stripe_customer_id IS NOT NULL LIMIT 1`,
      [clientUserId],
    );
    return result.rows[0]?.stripe_customer_id ?? null;
  }

  /** What Stripe said about the current intent's card: its capture deadline and the saved card. */
  async noteCard(
    groupId: string,
    paymentIntentId: string,
    card: { captureBefore: Date | null; paymentMethodId: string | null },
  ): Promise<void> {
    if (!card.captureBefore && !card.paymentMethodId) return;
    await this.db.query(
      `UPDATE payment_authorizations
          SET capture_before = COALESCE($3, capture_before), payment_method_id = COALESCE($4, payment_method_id)
        WHERE group_id = $1 AND payment_intent_id = $2
          AND (capture_before IS DISTINCT FROM COALESCE($3, capture_before)
               OR payment_method_id IS DISTINCT FROM COALESCE($4, payment_method_id))`,
      [groupId, paymentIntentId, card.captureBefore, card.paymentMethodId],
    );
  }

  /** A capture or void is about to be asked of Stripe: no renewal starts from now on (caller holds the lock). */
  async requestSettle(groupId: string): Promise<void> {
    await this.db.query(
      `UPDATE payment_authorizations SET settle_requested_at = COALESCE(settle_requested_at, now()) WHERE group_id = $1`,
      [groupId],
    );
  }

  /**
   * Authorised groups whose intent can be captured only until before `lapsesBefore` (or whose deadline
   * is not known yet), nothing settling them, and no renewal of this intent recorded.
   */
  async lapsingAuthorizations(
    lapsesBefore: Date,
    limit: number,
    groupIds: readonly string[] | null = null,
  ): Promise<AuthorizationRow[]> {
    const result = await this.db.query(
      `SELECT ${AUTH_COLUMNS} FROM payment_authorizations a
        WHERE status = 'authorized' AND settle_requested_at IS NULL
          AND (capture_before IS NULL OR capture_before < $1)
          AND ($3::text[] IS NULL OR group_id = ANY($3))
          AND NOT EXISTS (SELECT 1 FROM payment_reauthorizations r
                           WHERE r.group_id = a.group_id AND r.replaces_intent_id = a.payment_intent_id)
        ORDER BY capture_before NULLS FIRST LIMIT $2`,
      [lapsesBefore, limit, groupIds],
    );
    return parseRows(authorizationRow, result.rows);
  }

  /** Records a renewal before Stripe is asked (once per group and intent); the caller holds the lock. */
  async insertReauthorization(row: {
    idempotencyKey: string;
    groupId: string;
    replacesIntentId: string;
    failureReason?: ReauthorizationFailure;
  }): Promise<ReauthorizationRow | null> {
    const failed = row.failureReason !== undefined;
    const result = await this.db.query(
      `INSERT INTO payment_reauthorizations (idempotency_key, group_id, replaces_intent_id, state, failure_reason, completed_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END)
       ON CONFLICT DO NOTHING RETURNING ${REAUTH_COLUMNS}`,
      [
        row.idempotencyKey,
        row.groupId,
        row.replacesIntentId,
        failed ? 'action_required' : 'requested',
        row.failureReason ?? null,
        failed,
      ],
    );
    return parseRows(reauthorizationRow, result.rows)[0] ?? null;
  }

  async findReauthorization(idempotencyKey: string): Promise<ReauthorizationRow | null> {
    const result = await this.db.query(
      `SELECT ${REAUTH_COLUMNS} FROM payment_reauthorizations WHERE idempotency_key = $1`,
      [idempotencyKey],
    );
    return parseRows(reauthorizationRow, result.rows)[0] ?? null;
  }

  /** The group's renewal still waiting for Stripe's answer (or for the old intent's cancellation). */
  async openReauthorizationOf(groupId: string): Promise<ReauthorizationRow | null> {
    const result = await this.db.query(
      `SELECT ${REAUTH_COLUMNS} FROM payment_reauthorizations WHERE group_id = $1 AND state = 'requested'
        ORDER BY requested_at LIMIT 1`,
      [groupId],
    );
    return parseRows(reauthorizationRow, result.rows)[0] ?? null;
  }

  /** Renewals recorded before `before` and never finished (a crash between the steps). */
  async openReauthorizations(
    before: Date,
    limit: number,
    groupIds: readonly string[] | null = null,
  ): Promise<ReauthorizationRow[]> {
    const result = await this.db.query(
      `SELECT ${REAUTH_COLUMNS} FROM payment_reauthorizations
        WHERE state = 'requested' AND requested_at <= $1 AND ($3::text[] IS NULL OR group_id = ANY($3))
        ORDER BY requested_at LIMIT $2`,
      [before, limit, groupIds],
    );
    return parseRows(reauthorizationRow, result.rows);
  }

  /** Stripe's new intent for a renewal (before the old one is cancelled). */
  async noteReauthorizationIntent(idempotencyKey: string, newIntentId: string): Promise<void> {
    await this.db.query(
      `UPDATE payment_reauthorizations SET new_intent_id = COALESCE(new_intent_id, $2) WHERE idempotency_key = $1`,
      [idempotencyKey, newIntentId],
    );
  }

  async completeReauthorization(
    idempotencyKey: string,
    state: 'replaced' | 'action_required' | 'superseded',
    failureReason: ReauthorizationFailure | null,
  ): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE payment_reauthorizations SET state = $2, failure_reason = $3, completed_at = now()
        WHERE idempotency_key = $1 AND state = 'requested'`,
      [idempotencyKey, state, failureReason],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * The renewal's new intent becomes the group's, only while the old one is still the group's
   * authorised intent; false otherwise (captured, voided or lapsed meanwhile, or already swapped).
   * Once a capture or void has begun (settle_requested_at), only that capture or void's own finish of
   * the renewal (`bySettle`) may swap: it reads the row after. Any other (the sweep) could commit after
   * the capture read the old intent, and cancel the intent being captured.
   */
  async replaceIntent(
    groupId: string,
    oldIntentId: string,
    next: { intentId: string; chargeId: string | null; captureBefore: Date | null; paymentMethodId: string | null },
    bySettle = false,
  ): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE payment_authorizations
          SET payment_intent_id = $3, charge_id = $4, capture_before = $5,
              payment_method_id = COALESCE($6, payment_method_id), client_secret = NULL, updated_at = now()
        WHERE group_id = $1 AND payment_intent_id = $2 AND status = 'authorized'
          AND ($7 OR settle_requested_at IS NULL)`,
      [groupId, oldIntentId, next.intentId, next.chargeId, next.captureBefore, next.paymentMethodId, bySettle],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Sets the status (the caller checked it moves forward) and what Stripe reported with it. */
  async updateAuthorization(
    groupId: string,
    changes: {
      status?: AuthorizationStatus;
      chargeId?: string | null;
      capturedCents?: number;
      refundedCents?: number;
      voidReason?: string;
    },
  ): Promise<void> {
    await this.db.query(
      `UPDATE payment_authorizations SET
         status = COALESCE($2, status),
         charge_id = COALESCE(charge_id, $3),
         captured_cents = GREATEST(captured_cents, COALESCE($4, 0)),
         refunded_cents = GREATEST(refunded_cents, COALESCE($5, 0)),
         void_reason = COALESCE(void_reason, $6),
         updated_at = now()
       WHERE group_id = $1`,
      [
        groupId,
        changes.status ?? null,
        changes.chargeId ?? null,
        changes.capturedCents ?? null,
        changes.refundedCents ?? null,
        changes.voidReason ?? null,
      ],
    );
  }

  async findMoneyRequest(idempotencyKey: string): Promise<MoneyRequestRow | null> {
    const result = await this.db.query(
      `SELECT ${MONEY_REQUEST_COLUMNS} FROM payment_money_requests WHERE idempotency_key = $1`,
      [idempotencyKey],
    );
    return parseRows(moneyRequestRow, result.rows)[0] ?? null;
  }

  /** Records a refund or transfer about to be asked of Stripe; the caller holds the group's lock. */
  async insertMoneyRequest(row: {
    idempotencyKey: string;
    groupId: string;
    kind: 'refund' | 'transfer' | 'reversal';
    amountCents: number;
    details: Record<string, unknown>;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO payment_money_requests (idempotency_key, group_id, kind, amount_cents, details)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING`,
      [row.idempotencyKey, row.groupId, row.kind, row.amountCents, JSON.stringify(row.details)],
    );
  }

  async completeMoneyRequest(idempotencyKey: string, stripeObjectId: string): Promise<void> {
    await this.db.query(
      `UPDATE payment_money_requests SET stripe_object_id = $2, completed_at = COALESCE(completed_at, now())
        WHERE idempotency_key = $1`,
      [idempotencyKey, stripeObjectId],
    );
  }

  /** What requested refunds or transfers not yet recorded reserve of a group's funds. */
  /** The group's requests of a kind still waiting for Stripe's answer to be recorded. */
  async openMoneyRequestsOf(groupId: string, kind: 'refund' | 'transfer' | 'reversal'): Promise<MoneyRequestRow[]> {
    const result = await this.db.query(
      `SELECT ${MONEY_REQUEST_COLUMNS} FROM payment_money_requests
        WHERE group_id = $1 AND kind = $2 AND completed_at IS NULL ORDER BY created_at`,
      [groupId, kind],
    );
    return parseRows(moneyRequestRow, result.rows);
  }

  async openRequestedTotal(groupId: string, kind?: 'refund' | 'transfer' | 'reversal'): Promise<number> {
    const result = await this.db.query<{ total: string | number }>(
      `SELECT COALESCE(sum(amount_cents), 0) AS total FROM payment_money_requests
        WHERE group_id = $1 AND completed_at IS NULL AND ($2::text IS NULL OR kind = $2)`,
      [groupId, kind ?? null],
    );
    return Number(result.rows[0]?.total ?? 0);
  }

  /** Requests recorded before `before` whose Stripe answer was never recorded (a crash in between). */
  async openMoneyRequests(before: Date, limit: number): Promise<MoneyRequestRow[]> {
    const result = await this.db.query(
      `SELECT ${MONEY_REQUEST_COLUMNS} FROM payment_money_requests
        WHERE completed_at IS NULL AND created_at <= $1 ORDER BY created_at LIMIT $2`,
      [before, limit],
    );
    return parseRows(moneyRequestRow, result.rows);
  }

  async findRefundByKey(groupId: string, idempotencyKey: string): Promise<{ id: string; amount_cents: number } | null> {
    const result = await this.db.query(
      'SELECT id, amount_cents FROM payment_refunds WHERE group_id = $1 AND idempotency_key = $2',
      [groupId, idempotencyKey],
    );
    return parseRows(refundRow, result.rows)[0] ?? null;
  }

  /** Records a refund once (from the API answer or from refund.created, whichever comes first). */
  async recordRefund(row: {
    id: string;
    groupId: string;
    amountCents: number;
    reason: string;
    idempotencyKey: string | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO payment_refunds (id, group_id, amount_cents, reason, idempotency_key) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET idempotency_key = COALESCE(payment_refunds.idempotency_key, EXCLUDED.idempotency_key)`,
      [row.id, row.groupId, row.amountCents, row.reason, row.idempotencyKey],
    );
  }

  async refundExists(id: string): Promise<boolean> {
    const result = await this.db.query('SELECT 1 FROM payment_refunds WHERE id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
  }

  async findTransferById(id: string): Promise<(TransferRow & { reversed_cents: number }) | null> {
    const result = await this.db.query(
      'SELECT id, group_id, leg_id, payee_user_id, amount_cents, reversed_cents FROM payment_transfers WHERE id = $1',
      [id],
    );
    return parseRows(transferRow.extend({ reversed_cents: z.coerce.number().int() }), result.rows)[0] ?? null;
  }

  async refundedTotal(groupId: string): Promise<number> {
    const result = await this.db.query<{ total: string | number }>(
      'SELECT COALESCE(sum(amount_cents), 0) AS total FROM payment_refunds WHERE group_id = $1',
      [groupId],
    );
    return Number(result.rows[0]?.total ?? 0);
  }

  async findPayoutAccount(userId: string): Promise<PayoutAccountRow | null> {
    const result = await this.db.query(
      `SELECT user_id, stripe_account_id, details_submitted, payouts_enabled, charges_enabled, requirements_due, status_as_of
       FROM payout_accounts WHERE user_id = $1`,
      [userId],
    );
    return parseRows(payoutRow, result.rows)[0] ?? null;
  }

  /**
   * Records that this user's Connect account is being asked of Stripe; answers when a request was first
   * recorded if one already was (a retry, possibly after a crash), null for the first request.
   */
  async recordPayoutAccountRequest(userId: string): Promise<Date | null> {
    const inserted = await this.db.query(
      'INSERT INTO payout_account_requests (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING',
      [userId],
    );
    if (inserted.rowCount) return null;
    const result = await this.db.query<{ requested_at: Date }>(
      'SELECT requested_at FROM payout_account_requests WHERE user_id = $1',
      [userId],
    );
    return result.rows[0]?.requested_at ?? null;
  }

  async insertPayoutAccount(userId: string, stripeAccountId: string): Promise<void> {
    // The first answer recorded wins: a concurrent duplicate got the same account from Stripe (same key).
    await this.db.query(
      'INSERT INTO payout_accounts (user_id, stripe_account_id) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING',
      [userId, stripeAccountId],
    );
  }

  /** Applies an account status as of `asOf` (Stripe's event time); an older status never overwrites a newer one. */
  async updatePayoutStatus(
    stripeAccountId: string,
    status: {
      detailsSubmitted: boolean;
      payoutsEnabled: boolean;
      chargesEnabled: boolean;
      requirementsDue: readonly string[];
    },
    asOf: number,
  ): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE payout_accounts SET details_submitted = $2, payouts_enabled = $3, charges_enabled = $4,
         requirements_due = $5, status_as_of = $6, updated_at = now()
       WHERE stripe_account_id = $1 AND status_as_of <= $6`,
      [
        stripeAccountId,
        status.detailsSubmitted,
        status.payoutsEnabled,
        status.chargesEnabled,
        [...status.requirementsDue],
        asOf,
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async findTransfer(groupId: string, legId: string): Promise<TransferRow | null> {
    const result = await this.db.query(
      'SELECT id, group_id, leg_id, payee_user_id, amount_cents FROM payment_transfers WHERE group_id = $1 AND leg_id = $2',
      [groupId, legId],
    );
    return parseRows(transferRow, result.rows)[0] ?? null;
  }

  async insertTransfer(row: {
    id: string;
    groupId: string;
    legId: string;
    payeeUserId: string;
    stripeAccountId: string;
    amountCents: number;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO payment_transfers (id, group_id, leg_id, payee_user_id, stripe_account_id, amount_cents)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.id, row.groupId, row.legId, row.payeeUserId, row.stripeAccountId, row.amountCents],
    );
  }

  /** The group's transfers with what is still not reversed (reversal requests in flight counted as reversed). */
  async unreversedTransfers(
    groupId: string,
  ): Promise<{ id: string; payeeUserId: string; currency: string; unreversedCents: number }[]> {
    const result = await this.db.query<{ id: string; payee_user_id: string; currency: string; unreversed: string }>(
      `SELECT t.id, t.payee_user_id, a.currency::text AS currency,
              t.amount_cents - t.reversed_cents - COALESCE((
                SELECT sum(r.amount_cents) FROM payment_money_requests r
                 WHERE r.kind = 'reversal' AND r.completed_at IS NULL AND r.details->>'transferId' = t.id), 0) AS unreversed
         FROM payment_transfers t JOIN payment_authorizations a USING (group_id)
        WHERE t.group_id = $1 ORDER BY t.created_at, t.id`,
      [groupId],
    );
    return result.rows.map((row) => ({
      id: row.id,
      payeeUserId: row.payee_user_id,
      currency: row.currency.trim(),
      unreversedCents: Number(row.unreversed),
    }));
  }

  /** Whether a chargeback on the group is open (payouts are held until it closes). */
  async hasOpenDispute(groupId: string): Promise<boolean> {
    const result = await this.db.query(
      `SELECT 1 FROM payment_disputes WHERE group_id = $1 AND status NOT IN (${CLOSED_DISPUTE_SQL}) LIMIT 1`,
      [groupId],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async transferredTotal(groupId: string): Promise<number> {
    const result = await this.db.query<{ total: string | number }>(
      'SELECT COALESCE(sum(amount_cents - reversed_cents), 0) AS total FROM payment_transfers WHERE group_id = $1',
      [groupId],
    );
    return Number(result.rows[0]?.total ?? 0);
  }

  /** Sets what is reversed of a transfer as Stripe reports it (only grows; never past the transfer). */
  async updateTransferReversed(id: string, reversedCents: number): Promise<void> {
    await this.db.query(
      'UPDATE payment_transfers SET reversed_cents = LEAST(amount_cents, GREATEST(reversed_cents, $2)) WHERE id = $1',
      [id, reversedCents],
    );
  }

  /** What our own completed reversal requests took back from a transfer. */
  async completedReversalTotal(transferId: string): Promise<number> {
    const result = await this.db.query<{ total: string | number }>(
      `SELECT COALESCE(sum(amount_cents), 0) AS total FROM payment_money_requests
        WHERE kind = 'reversal' AND details->>'transferId' = $1 AND completed_at IS NOT NULL
          AND stripe_object_id IS DISTINCT FROM 'refused'`,
      [transferId],
    );
    return Number(result.rows[0]?.total ?? 0);
  }

  /** Stores a Stripe event once; false when it was stored before (a redelivery). */
  async storeEvent(event: {
    id: string;
    type: string;
    objectId: string | null;
    created: number;
    payload: unknown;
  }): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO stripe_events (id, type, object_id, stripe_created, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING`,
      [event.id, event.type, event.objectId, event.created, JSON.stringify(event.payload)],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async upsertDispute(row: {
    id: string;
    groupId: string | null;
    chargeId: string;
    amountCents: number;
    currency: string;
    reason: string;
    status: string;
    evidenceDueBy: Date | null;
    asOf: number;
  }): Promise<boolean> {
    // Forward only: a newer event wins, and a closed dispute (won, lost, …) is never reopened by an
    // older event delivered late, even one stamped the same second.
    const result = await this.db.query(
      `INSERT INTO payment_disputes (id, group_id, charge_id, amount_cents, currency, reason, status, evidence_due_by, status_as_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, status_as_of = EXCLUDED.status_as_of,
         evidence_due_by = COALESCE(EXCLUDED.evidence_due_by, payment_disputes.evidence_due_by)
       WHERE payment_disputes.status NOT IN (${CLOSED_DISPUTE_SQL})
         AND payment_disputes.status <> EXCLUDED.status
         AND (payment_disputes.status_as_of <= EXCLUDED.status_as_of OR EXCLUDED.status IN (${CLOSED_DISPUTE_SQL}))`,
      [
        row.id,
        row.groupId,
        row.chargeId,
        row.amountCents,
        row.currency,
        row.reason,
        row.status,
        row.evidenceDueBy,
        row.asOf,
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * A dispute event that changes only the evidence deadline (Stripe may extend it): no status change,
   * so no timeline event, but the deadline the evidence job works to follows the newest event.
   */
  async updateDisputeDueBy(id: string, dueBy: Date, asOf: number): Promise<void> {
    await this.db.query(
      `UPDATE payment_disputes SET evidence_due_by = $2
        WHERE id = $1 AND status_as_of <= $3 AND evidence_due_by IS DISTINCT FROM $2`,
      [id, dueBy, asOf],
    );
  }
}
export type PaymentsStore = PortOf<PaymentsRepository>;
