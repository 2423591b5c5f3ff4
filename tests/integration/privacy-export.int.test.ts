/**
 * DSAR export end to end (NTB-EXPORT-001, issue #16), through the local stack: a provider and a
 * client who messaged (DynamoDB), booked, paid, reviewed, set up a calendar feed and media, and were
 * delivered in a partner webhook each ask for their export (GraphQL Mutation.requestDataExport after
 * a step-up). The bundle is fetched through its presigned link from the S3 stand-in and checked:
 *  - its SHA-256 and every section's receipt;
 *  - coverage: every table of the erasure map with a user column is in the export map
 *    (lambdas/privacy/export-coverage.ts) as a section part or excluded with a reason, and every
 *    table where the account has rows shows up, non-empty, in the part the map names;
 *  - redaction: no other person's email, phone, name or user id appears in either bundle;
 *  - the account's own original is downloadable through the link the media section gives;
 *  - audit entry, per-day limit (RATE_LIMITED), step-up (STEP_UP_REQUIRED), short-lived link;
 *  - the account's deletion removes its stored bundles and receipts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasureCoverage } from '../../infra/definitions/erasure-coverage.ts';
import { canonicalJson } from '../../lambdas/core/db/audit-log.ts';
import { buildEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { exportCoverage } from '../../lambdas/privacy/index.ts';
import { deleteAccount, enqueue } from '../support/account-deletion.ts';
import { stackInfo } from '../support/clients.ts';
import { gql, latestCode, registeredUser } from '../support/auth-client.ts';
import { onboardPayee } from '../support/checkout.ts';
import { eventually, gqlOk, sql, uploadImage } from '../support/graphql.ts';
import { testJpeg } from '../support/images.ts';
import { partnerSdk, WebhookReceiver } from '../support/partner.ts';
import { completedLeg, openForQuickSessions, quickSlot, SUBMIT } from '../support/reviews.ts';

const EXPORT_FIELDS =
  'id status requestedAt completedAt downloadUrl expiresAt sha256 sizeBytes sections stepUpRequired';
const REQUEST_EXPORT = `mutation { requestDataExport { ${EXPORT_FIELDS} } }`;
const EXPORT_STATUS = `query($id: ID!) { dataExport(id: $id) { ${EXPORT_FIELDS} } }`;

type Bundle = {
  manifest: { format: string; exportId: string; subjectUserId: string; sections: string[]; excluded: object };
  sections: Record<string, Record<string, Record<string, unknown>[]>>;
  receipts: { section: string; sha256: string; records: number }[];
};

async function steppedUp(accessToken: string, email: string): Promise<string> {
  await gql(accessToken, 'mutation { sendStepUpCode(channel: EMAIL) }');
  const stepped = await gql(accessToken, 'mutation($input: StepUpInput!) { stepUp(input: $input) { accessToken } }', {
    input: { method: 'EMAIL_CODE', code: await latestCode(email, 'auth.step_up') },
  });
  expect(stepped.body.errors).toBeUndefined();
  return stepped.body.data.stepUp.accessToken as string;
}

/** The client's path: request (answered at once, BUILDING), then read the status until READY. */
async function exportOf(token: string) {
  const accepted = (await gqlOk(token, REQUEST_EXPORT)).requestDataExport;
  expect(accepted).toMatchObject({ status: 'BUILDING', downloadUrl: null });
  const view = await eventually(async () => {
    const current = (await gqlOk(token, EXPORT_STATUS, { id: accepted.id })).dataExport;
    expect(current.status).not.toBe('FAILED');
    return current.status === 'READY' ? current : undefined;
  }, 60_000);
  const response = await fetch(view.downloadUrl);
  expect(response.status).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { view, bytes, bundle: JSON.parse(bytes.toString('utf8')) as Bundle };
}

/** Tables of the erasure map whose user columns hold a user (not `notAUser`): table -> columns. */
function userTables(): Map<string, string[]> {
  const byTable = new Map<string, string[]>();
  for (const [column, action] of Object.entries(erasureCoverage)) {
    if (action.kind === 'notAUser') continue;
    const [schema, table, name] = column.split('.');
    const key = `${schema}.${table}`;
    byTable.set(key, [...(byTable.get(key) ?? []), name!]);
  }
  byTable.set('public.users', ['id']);
  return byTable;
}

/** The tables of `userTables()` where `userId` has rows (partner events: about the account's listings). */
async function tablesWithRowsOf(userId: string): Promise<string[]> {
  const found: string[] = [];
  for (const [table, columns] of userTables()) {
    const [schema, name] = table.split('.');
    const where = columns.map((column) => `"${column}"::text = $1`).join(' OR ');
    const rows = await sql(`SELECT 1 FROM "${schema}"."${name}" WHERE ${where} LIMIT 1`, [userId]);
    if (rows.length) found.push(table);
  }
  const events = await sql(
    `SELECT 1 FROM partner.event e JOIN listing_owners_all l ON l.listing_id IN (e.aggregate_id, e.payload->>'ownerId')
      WHERE l.owner_user_id = $1 LIMIT 1`,
    [userId],
  );
  if (events.length) found.push('partner.event');
  return found;
}

describe('DSAR export', () => {
  const receiver = new WebhookReceiver();
  let hookUrl: string;
  beforeAll(async () => {
    hookUrl = await receiver.start();
  });
  afterAll(() => receiver.stop());

  it('every table with a user column is exported or excluded with a reason, and the map names real tables', async () => {
    const missing = [...userTables().keys()].filter((table) => !(table in exportCoverage));
    expect(missing, 'tables with a user column and no export decision').toEqual([]);
    const live = new Set(
      (
        await sql<{ name: string }>(
          `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_type = 'BASE TABLE'`,
        )
      ).map((row) => row.name),
    );
    for (const [table, decision] of Object.entries(exportCoverage)) {
      if (!table.startsWith('dynamodb.')) expect(live.has(table), `${table} is not a table`).toBe(true);
      if ('excluded' in decision) expect(decision.excluded.length, table).toBeGreaterThan(10);
      else expect(decision.parts.length, table).toBeGreaterThan(0);
    }
  });

  it('exports every domain of a provider and a client, with receipts, redaction and a short-lived link', async () => {
    const owner = await registeredUser({ role: 'provider' });
    const client = await registeredUser({ role: 'client' });
    const tag = newId('request').slice(-8).toLowerCase();
    const ownerName = `Marisol Quenby ${tag}`;
    const clientName = `Thaddeus Orrin ${tag}`;
    const clientPhone = `+1 415 555 ${String(Number.parseInt(tag, 36) % 10_000).padStart(4, '0')}`;
    const ownerPhone = `+1 212 555 ${String((Number.parseInt(tag, 36) + 7) % 10_000).padStart(4, '0')}`;
    await sql('UPDATE users SET display_name = $2, phone = $3 WHERE id = $1', [owner.userId, ownerName, ownerPhone]);
    await sql('UPDATE users SET display_name = $2, phone = $3 WHERE id = $1', [client.userId, clientName, clientPhone]);

    const profileId = newId('profile');
    const slug = `marisol-quenby-${tag}`;
    await sql(
      `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, city_code, price_min_cents, currency, published_at)
       VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', $4, 'us-lax', 20000, 'USD', now())`,
      [profileId, owner.userId, slug, ownerName],
    );
    // A partner application acting for the client; its webhook is delivered the owner's listing.
    const { sdk } = await partnerSdk(['webhooks:manage'], undefined, client.userId);
    await sdk.createWebhookEndpoint({ url: `${hookUrl}/export-${tag}`, eventTypes: ['profile.published'] });
    await enqueue(
      buildEvent('profile.published', {
        profileId,
        ownerUserId: owner.userId,
        role: 'PHOTOGRAPHER',
        slug,
        city: 'us-lax',
        version: 1,
        score: 80,
      }),
    );
    await eventually(async () => receiver.about(profileId, `/hooks/export-${tag}`).length > 0, 20_000);

    // Messages both ways; each writes their own contact details and name.
    const threadId = (
      await gqlOk(
        client.accessToken,
        `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
        { input: { profileId, body: `Hello, I am ${clientName}: write to ${client.email} or call ${clientPhone}.` } },
      )
    ).startInquiry.thread.threadId as string;
    await gqlOk(owner.accessToken, `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }`, {
      input: {
        threadId,
        body: `Sure, ${ownerName} here, mail ${owner.email} or ring ${ownerPhone}.`,
        clientToken: `t-${tag}`,
      },
    });

    // The project panel: the owner writes the brief (naming the client, with their own phone), the
    // client the shot list; both are exported to both, the other's text without contact details.
    const TAB = `mutation($input: UpdateThreadTabInput!) { updateThreadTab(input: $input) { version } }`;
    await gqlOk(owner.accessToken, TAB, {
      input: {
        threadId,
        tab: 'BRIEF',
        expectedVersion: 0,
        brief: `Brief for ${clientName}: golden hour portraits, Annual look book. Call ${ownerPhone}.`,
      },
    });
    await gqlOk(client.accessToken, TAB, {
      input: {
        threadId,
        tab: 'SHOTLIST',
        expectedVersion: 0,
        shotList: [{ title: `${ownerName} by the window, then call ${clientPhone}`, done: false }],
      },
    });

    // The owner's own original (media), payout account, a paid completed booking, reviews both ways, a calendar feed.
    const media = await uploadImage(owner.accessToken, {
      ownerType: 'PROFILE',
      ownerId: profileId,
      body: await testJpeg({ seed: 7 }),
      contentType: 'image/jpeg',
    });
    // Moderation runs the image classifier; on a loaded machine that can take longer than waitForMedia's minute.
    await eventually(
      async () =>
        ['PUBLISHED', 'READY', 'FLAGGED'].includes(
          (await gqlOk(owner.accessToken, `query($id: ID!) { myMedia(id: $id) { status } }`, { id: media.id })).myMedia
            .status,
        ),
      180_000,
      500,
    );
    await onboardPayee(owner.accessToken);
    await openForQuickSessions(owner.accessToken, profileId);
    const { legId } = await completedLeg({
      ownerToken: owner.accessToken,
      clientToken: client.accessToken,
      profileId,
      startsAt: quickSlot(3),
    });
    await gqlOk(client.accessToken, SUBMIT, { input: { legId, rating: 5, body: 'Wonderful session.' } });
    await gqlOk(owner.accessToken, SUBMIT, { input: { legId, rating: 4, body: 'Punctual client.' } });
    const calendar = (
      await gqlOk(owner.accessToken, `mutation($id: ID!) { rotateCalendarExport(resourceId: $id) { url } }`, {
        id: profileId,
      })
    ).rotateCalendarExport;
    await gqlOk(
      owner.accessToken,
      `mutation($input: AddCalendarFeedInput!) { addCalendarFeed(input: $input) { id } }`,
      { input: { resourceId: profileId, url: calendar.url } },
    );

    // Without a step-up: refused, nothing stored.
    const refused = await gql(owner.accessToken, REQUEST_EXPORT);
    expect(refused.body.errors?.[0]).toMatchObject({ errorType: 'STEP_UP_REQUIRED', path: ['requestDataExport'] });

    const ownerToken = await steppedUp(owner.accessToken, owner.email);
    const clientToken = await steppedUp(client.accessToken, client.email);
    const mine = await exportOf(ownerToken);
    const theirs = await exportOf(clientToken);

    for (const [person, other, { view, bytes, bundle }] of [
      [owner, client, mine],
      [client, owner, theirs],
    ] as const) {
      // Integrity: the bundle's hash, each section's receipt, the manifest.
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(view.sha256);
      expect(view.sizeBytes).toBe(bytes.length);
      expect(bundle.manifest).toMatchObject({
        format: 'rastup-data-export/2',
        exportId: view.id,
        subjectUserId: person.userId,
      });
      expect(bundle.manifest.sections).toEqual(view.sections);
      for (const receipt of bundle.receipts)
        expect(receipt.sha256, receipt.section).toBe(
          createHash('sha256').update(canonicalJson(bundle.sections[receipt.section])).digest('hex'),
        );
      for (const [table, decision] of Object.entries(exportCoverage))
        if ('excluded' in decision) expect(bundle.manifest.excluded).toHaveProperty([table], decision.excluded);

      // Coverage: every table holding the account's rows appears in the part the map names.
      const present = await tablesWithRowsOf(person.userId);
      for (const table of present) {
        const decision = exportCoverage[table]!;
        if ('excluded' in decision) continue;
        const rows = decision.parts.flatMap((part) => bundle.sections[decision.section]?.[part] ?? []);
        expect(rows.length, `${table} -> ${decision.section}.${decision.parts.join('|')}`).toBeGreaterThan(0);
      }
      expect(bundle.sections.messaging!.threads!.length).toBe(1);

      // Redaction: nothing of the other person but a pseudonym.
      const text = bytes.toString('utf8').toLowerCase();
      for (const needle of [
        other.email,
        other.userId,
        other === client ? clientName : ownerName,
        other === client ? clientPhone : ownerPhone,
        (other === client ? clientPhone : ownerPhone).replace(/\D/g, '').slice(-7),
      ])
        expect(text.includes(needle.toLowerCase()), `${person.email}'s export holds ${needle}`).toBe(false);
      expect(text).toContain('person-1');
      // Their own data is there in full.
      expect(text).toContain(person.email.toLowerCase());
    }

    // What the coverage checks above covered (so they are not vacuous).
    const ownerTables = await tablesWithRowsOf(owner.userId);
    const clientTables = await tablesWithRowsOf(client.userId);
    for (const table of [
      'public.users',
      'public.consent_records',
      'public.auth_sessions',
      'public.service_profiles',
      'public.media',
      'public.booking_legs',
      'public.booking_settings',
      'public.booking_calendar_feeds',
      'public.booking_calendar_exports',
      'public.payout_accounts',
      'public.reviews',
      'public.review_windows',
      'partner.event',
    ])
      expect(ownerTables, table).toContain(table);
    for (const table of [
      'public.booking_groups',
      'public.payment_authorizations',
      'public.payment_intent_requests',
      'public.reviews',
      'partner.client',
    ])
      expect(clientTables, table).toContain(table);

    // The Stripe customer and saved card a renewal charges are the client's data too.
    const paid = (theirs.bundle.sections.payments as { authorizations: Record<string, unknown>[] }).authorizations;
    expect(paid[0]).toMatchObject({ stripe_customer_id: expect.stringMatching(/^cus_/) });
    expect(paid[0]).toHaveProperty('payment_method_id');

    // The messages each wrote are theirs in full; the other's arrive without contact details.
    const ownerThread = mine.bundle.sections.messaging!.threads![0] as {
      messages: { direction: string; body: string }[];
    };
    expect(ownerThread.messages.find((m) => m.direction === 'sent')!.body).toContain(ownerPhone);
    expect(ownerThread.messages.find((m) => m.direction === 'received')!.body).toContain('[contact hidden]');
    // The panel's tabs, in both exports: own text in full, the other's names pseudonymised and contact hidden.
    type Panel = { tab: string; brief: string | null; shotList: { title: string }[] | null; updatedByUserId: string }[];
    const ownerPanel = (mine.bundle.sections.messaging!.threads![0] as { panel: Panel }).panel;
    const clientPanel = (theirs.bundle.sections.messaging!.threads![0] as { panel: Panel }).panel;
    expect(ownerPanel.map((tab) => tab.tab)).toEqual(['brief', 'shotlist']);
    expect(ownerPanel[0]).toMatchObject({
      brief: `Brief for person-1: golden hour portraits, Annual look book. Call ${ownerPhone}.`,
      updatedByUserId: owner.userId,
    });
    expect(ownerPanel[1]!.shotList![0]!.title).toContain(`${ownerName} by the window, then call [contact hidden]`);
    expect(ownerPanel[1]!.updatedByUserId).toBe('person-1');
    expect(clientPanel[0]!.brief).toContain(
      `Brief for ${clientName}: golden hour portraits, Annual look book. Call [contact hidden]`,
    );
    expect(clientPanel[1]!.shotList![0]!.title).toBe(`person-1 by the window, then call ${clientPhone}`);
    // Reviews both written and received.
    expect(mine.bundle.sections.reviews!.written).toHaveLength(1);
    expect(mine.bundle.sections.reviews!.received).toHaveLength(1);
    // The owner's own original, through the short-lived link the media section gives.
    const item = mine.bundle.sections.media!.items!.find((row) => row.id === media.id)!;
    const original = await fetch(String(item.original_url));
    expect(original.status).toBe(200);
    expect((await original.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    // Links expire: the bundle's link is signed for 300 s.
    expect(new URL(mine.view.downloadUrl).searchParams.get('X-Amz-Expires')).toBe('300');
    expect(Date.parse(mine.view.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);

    // Audited in the hash chain with the bundle's hash; the deletion gate counts it.
    const [audit] = await sql(
      `SELECT actor, details FROM audit_log WHERE action = 'privacy.export.generated' AND details->>'exportId' = $1`,
      [mine.view.id],
    );
    expect(audit).toMatchObject({ actor: owner.userId, details: { sha256: mine.view.sha256 } });
    const [exported] = await sql('SELECT last_export_at FROM users WHERE id = $1', [owner.userId]);
    expect(exported.last_export_at).not.toBeNull();

    // Per-day limit (3 by default): two more, then RATE_LIMITED, and no fourth bundle.
    await exportOf(ownerToken);
    await exportOf(ownerToken);
    const limited = await gql(ownerToken, REQUEST_EXPORT);
    expect(limited.body.errors?.[0]).toMatchObject({ errorType: 'RATE_LIMITED', path: ['requestDataExport'] });
    expect(await sql(`SELECT status FROM privacy_exports WHERE user_id = $1`, [owner.userId])).toEqual([
      { status: 'READY' },
      { status: 'READY' },
      { status: 'READY' },
    ]);

    // Deleting the account removes its bundles (the links answer 404) and receipts.
    await deleteAccount(client.accessToken, client.email);
    await eventually(
      async () => (await sql('SELECT 1 FROM privacy_exports WHERE user_id = $1', [client.userId])).length === 0,
      30_000,
    );
    expect((await fetch(theirs.view.downloadUrl)).status).toBe(404);
  }, 300_000);

  it("a build left BUILDING past the worker's retry time is failed when the account asks again; a new one completes", async () => {
    const user = await registeredUser();
    const token = await steppedUp(user.accessToken, user.email);
    // What a worker that timed out on every delivery (the message then in the DLQ) leaves behind.
    const stale = newId('dataExport');
    await sql(
      `INSERT INTO privacy_exports (id, user_id, status, created_at) VALUES ($1, $2, 'BUILDING', now() - interval '4 hours')`,
      [stale, user.userId],
    );
    const accepted = (await gqlOk(token, REQUEST_EXPORT)).requestDataExport;
    expect(accepted.id).not.toBe(stale);
    expect(accepted.status).toBe('BUILDING');
    expect(await sql('SELECT status FROM privacy_exports WHERE id = $1', [stale])).toEqual([{ status: 'FAILED' }]);
    const ready = await eventually(async () => {
      const current = (await gqlOk(token, EXPORT_STATUS, { id: accepted.id })).dataExport;
      return current.status === 'READY' ? current : undefined;
    }, 60_000);
    expect(ready).toMatchObject({ stepUpRequired: false, downloadUrl: expect.any(String) });
    // The session alone (its token has no step-up) reads the status, not the link.
    expect((await gqlOk(user.accessToken, EXPORT_STATUS, { id: accepted.id })).dataExport).toMatchObject({
      status: 'READY',
      downloadUrl: null,
      expiresAt: null,
      stepUpRequired: true,
    });
    // Built over a day ago: the bucket's lifecycle has deleted it, so no link, even after a step-up.
    await sql(`UPDATE privacy_exports SET completed_at = completed_at - interval '25 hours' WHERE id = $1`, [
      accepted.id,
    ]);
    expect((await gqlOk(token, EXPORT_STATUS, { id: accepted.id })).dataExport).toMatchObject({
      status: 'EXPIRED',
      downloadUrl: null,
      stepUpRequired: false,
    });
  }, 120_000);

  it('migration 3141 fails rows the synchronous export left BUILDING, so the one-building index builds', async () => {
    const up = readFileSync(
      new URL('../../db/migrations/3141_privacy_export_async.sql', import.meta.url),
      'utf8',
    ).split('-- Down Migration')[0]!;
    const user = await registeredUser();
    const client = new pg.Client({ connectionString: stackInfo().endpoints.databaseUrl });
    await client.connect();
    try {
      // Replayed on the tree as it was before 3141, inside a transaction that is rolled back.
      await client.query('BEGIN');
      await client.query('DROP INDEX privacy_exports_one_building_idx');
      const ids = [newId('dataExport'), newId('dataExport')];
      for (const id of ids)
        await client.query(
          `INSERT INTO privacy_exports (id, user_id, status, created_at) VALUES ($1, $2, 'BUILDING', now())`,
          [id, user.userId],
        );
      await client.query(up);
      const { rows } = await client.query('SELECT status FROM privacy_exports WHERE id = ANY($1)', [ids]);
      expect(rows).toEqual([{ status: 'FAILED' }, { status: 'FAILED' }]);
      const index = await client.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'privacy_exports_one_building_idx'`);
      expect(index.rowCount).toBe(1);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  });

  it('race: 8 requests at once while none is building make one request, answered to all; it completes', async () => {
    const user = await registeredUser();
    const token = await steppedUp(user.accessToken, user.email);
    const answers = await Promise.all(Array.from({ length: 8 }, () => gql(token, REQUEST_EXPORT)));
    expect(answers.map((answer) => answer.body.errors)).toEqual(Array.from({ length: 8 }, () => undefined));
    const ids = new Set(answers.map((answer) => answer.body.data.requestDataExport.id as string));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(await sql('SELECT status FROM privacy_exports WHERE user_id = $1', [user.userId])).toHaveLength(1);
    const ready = await eventually(async () => {
      const current = (await gqlOk(token, EXPORT_STATUS, { id })).dataExport;
      return current.status === 'READY' ? current : undefined;
    }, 60_000);
    expect((await fetch(ready.downloadUrl)).status).toBe(200);
    // Someone else cannot read it.
    const stranger = await registeredUser();
    const refused = await gql(stranger.accessToken, EXPORT_STATUS, { id });
    expect(refused.body.errors?.[0]).toMatchObject({ errorType: 'NOT_FOUND' });
  }, 120_000);
});
