/**
 * Account deletion covers every table with a user column (NTB-SEC-003). First, the live schema: every
 * column of a base table whose name says "user id" (infra/definitions/erasure-coverage.ts has the
 * pattern) must have an entry in the coverage map, every entry must name a real column, and every
 * consumer it names must be registered for user.deleted. Then real accounts (sign-up, step-up,
 * deleteAccount) with a listing, a completed booking, reviews, a report, payment records and a search
 * document are deleted, and each map entry is checked against the rows; the search document goes
 * within 5 s.
 */
import { describe, expect, it } from 'vitest';
import { erasureCoverage, USER_COLUMN_PATTERN } from '../../infra/definitions/erasure-coverage.ts';
import { eventConsumers } from '../../infra/definitions/domains.ts';
import { buildEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { deleteAccount, enqueue } from '../support/account-deletion.ts';
import { registeredUser } from '../support/auth-client.ts';
import { publishedProfile } from '../support/booking.ts';
import { eventually, gqlOk, sql } from '../support/graphql.ts';
import { completedLeg, openForQuickSessions, quickSlot, SUBMIT } from '../support/reviews.ts';

const userDeletedConsumers = eventConsumers.filter((consumer) => consumer.eventTypes.includes('user.deleted'));

async function userColumns(): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    `SELECT c.table_schema || '.' || c.table_name || '.' || c.column_name AS name
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND c.column_name ~ $1
      ORDER BY 1`,
    [USER_COLUMN_PATTERN],
  );
  return rows.map((row) => row.name);
}

/** Enqueues a catalog event as its producer would (same outbox row); the relay delivers it. */

describe('account deletion coverage', () => {
  it('every user column of every table is in the coverage map, and the map names real columns and consumers', async () => {
    const live = await userColumns();
    const mapped = Object.keys(erasureCoverage).sort();
    expect(
      live.filter((column) => !mapped.includes(column)),
      'columns with no decision on account deletion',
    ).toEqual([]);
    expect(
      mapped.filter((column) => !live.includes(column)),
      'map entries naming no column',
    ).toEqual([]);
    const consumers = new Set(userDeletedConsumers.map((consumer) => consumer.name));
    for (const [column, action] of Object.entries(erasureCoverage))
      if ('by' in action && action.by !== 'auth')
        expect(consumers.has(action.by), `${column}: ${action.by}`).toBe(true);
  });

  it('deleting two real accounts removes or pseudonymises them in every domain, and in search within 5 s', async () => {
    const owner = await registeredUser({ role: 'provider' });
    const client = await registeredUser({ role: 'client' });

    // The owner's listing, published as profiles publishes (row + profile.published, which search indexes).
    const profileId = await publishedProfile(owner.userId);
    const [listing] = await sql('SELECT slug, version FROM service_profiles WHERE id = $1', [profileId]);
    await enqueue(
      buildEvent('profile.published', {
        profileId,
        ownerUserId: owner.userId,
        role: 'PHOTOGRAPHER',
        slug: listing.slug,
        city: 'us-lax',
        version: listing.version,
        score: 80,
      }),
    );
    await eventually(
      async () => (await sql('SELECT 1 FROM search_documents WHERE owner_user_id = $1', [owner.userId])).length > 0,
      20_000,
    );

    // A completed booking through booking's GraphQL, reviews both ways, a report each way.
    await openForQuickSessions(owner.accessToken, profileId);
    const { groupId, legId } = await completedLeg({
      ownerToken: owner.accessToken,
      clientToken: client.accessToken,
      profileId,
      startsAt: quickSlot(3),
    });
    const byClient = (await gqlOk(client.accessToken, SUBMIT, { input: { legId, rating: 5, body: 'Wonderful.' } }))
      .submitReview;
    const byOwner = (await gqlOk(owner.accessToken, SUBMIT, { input: { legId, rating: 5, body: 'Great client.' } }))
      .submitReview;
    const report = `mutation($input: ReportReviewInput!) { reportReview(input: $input) { id } }`;
    await gqlOk(client.accessToken, report, { input: { reviewId: byOwner.id, reason: 'OTHER' } });
    await gqlOk(owner.accessToken, report, { input: { reviewId: byClient.id, reason: 'OTHER' } });
    // Payment records as payments keeps them: the group's authorisation is real (the client paid the hold
    // through the Stripe stand-in); the owner never onboarded, so their payout account and transfer are
    // written here as payments would after onboarding.
    const account = `acct_${newId('request').slice(4)}`;
    await sql(`INSERT INTO payout_accounts (user_id, stripe_account_id) VALUES ($1, $2)`, [owner.userId, account]);
    await sql(
      `INSERT INTO payment_transfers (id, group_id, leg_id, payee_user_id, stripe_account_id, amount_cents) VALUES ($1, $2, $3, $4, $5, 4000)`,
      [`tr_${newId('request').slice(4)}`, groupId, legId, owner.userId, account],
    );

    // Before: each account appears in the columns the map covers (so the checks below are not vacuous).
    const present = async (userId: string) => {
      const found: string[] = [];
      for (const column of Object.keys(erasureCoverage)) {
        const [schema, table, name] = column.split('.');
        const rows = await sql(`SELECT 1 FROM "${schema}"."${table}" WHERE "${name}"::text = $1 LIMIT 1`, [userId]);
        if (rows.length) found.push(column);
      }
      return found;
    };
    const before = [...new Set([...(await present(owner.userId)), ...(await present(client.userId))])];
    for (const column of [
      'public.booking_groups.client_user_id',
      'public.booking_legs.owner_user_id',
      'public.booking_settings.owner_user_id',
      'public.booking_transitions.actor',
      'public.payment_authorizations.client_user_id',
      'public.payment_transfers.payee_user_id',
      'public.payout_accounts.user_id',
      'public.review_windows.client_user_id',
      'public.review_windows.owner_user_id',
      'public.reviews.author_user_id',
      'public.reviews.subject_user_id',
      'public.review_reports.reporter_user_id',
      'public.search_documents.owner_user_id',
      'public.service_profiles.owner_user_id',
    ])
      expect(before).toContain(column);

    await deleteAccount(owner.accessToken, owner.email);
    const deletedAt = Date.now();
    // Search: gone within 5 s of the deletion.
    await eventually(
      async () => (await sql('SELECT 1 FROM search_documents WHERE owner_user_id = $1', [owner.userId])).length === 0,
      5_000,
      50,
    );
    expect(Date.now() - deletedAt).toBeLessThan(5_000);
    await deleteAccount(client.accessToken, client.email);

    // Every user.deleted consumer has run for both accounts.
    for (const userId of [owner.userId, client.userId])
      await eventually(async () => {
        const [row] = await sql<{ n: number }>(
          `SELECT count(DISTINCT i.consumer)::int AS n FROM consumer_inbox i JOIN outbox_events e ON e.id = i.event_id
            WHERE e.type = 'user.deleted' AND e.payload->>'userId' = $1`,
          [userId],
        );
        return row!.n === userDeletedConsumers.length;
      }, 30_000);

    for (const userId of [owner.userId, client.userId]) {
      for (const [column, action] of Object.entries(erasureCoverage)) {
        const [schema, table, name] = column.split('.');
        const from = `"${schema}"."${table}"`;
        if (action.kind === 'erase' || action.kind === 'pseudonymise') {
          const rows = await sql(`SELECT 1 FROM ${from} WHERE "${name}"::text = $1`, [userId]);
          expect(rows, `${column} still holds ${userId}`).toEqual([]);
        } else if (action.kind === 'tombstone') {
          const rows = await sql(`SELECT 1 FROM ${from} WHERE "${name}"::text = $1 AND NOT (${action.erasedWhen})`, [
            userId,
          ]);
          expect(rows, `${column}: a row of ${userId} not erased (${action.erasedWhen})`).toEqual([]);
        }
      }
      // What is retained names only a scrubbed account.
      const [user] = await sql('SELECT status, email, display_name, phone, password_hash FROM users WHERE id = $1', [
        userId,
      ]);
      expect(user).toEqual({ status: 'deleted', email: null, display_name: null, phone: null, password_hash: null });
    }

    // Kept by law, pseudonymised: the booking and its payment records still exist, under another id.
    const [group] = await sql('SELECT client_user_id, status FROM booking_groups WHERE id = $1', [groupId]);
    expect(group.status).toBe('COMPLETED');
    expect(group.client_user_id).toMatch(/^usr_/);
    expect(group.client_user_id).not.toBe(client.userId);
    const [auth] = await sql(
      'SELECT client_user_id, status, stripe_customer_id, payment_method_id FROM payment_authorizations WHERE group_id = $1',
      [groupId],
    );
    expect(auth.client_user_id).not.toBe(client.userId);
    // Settled: the Stripe customer and saved card that lead back to the account are gone from the record.
    expect(auth).toMatchObject({ status: 'captured', stripe_customer_id: null, payment_method_id: null });
    // The reviews' ratings stay (the listing's summary stays honest), their words and authors do not.
    const reviews = await sql('SELECT rating, body, author_user_id, author_erased FROM reviews WHERE leg_id = $1', [
      legId,
    ]);
    expect(reviews).toEqual([
      { rating: 5, body: '', author_user_id: null, author_erased: true },
      { rating: 5, body: '', author_user_id: null, author_erased: true },
    ]);
    // The listing's slug no longer carries the name it was built from.
    const [erasedListing] = await sql('SELECT slug::text AS slug FROM service_profiles WHERE id = $1', [profileId]);
    expect(erasedListing.slug).toMatch(/^erased-/);
    expect(erasedListing.slug).not.toBe(listing.slug);
  }, 240_000);
});
