/**
 * Account deletion, end to end (NTB-SEC-003, issue #16). Two real accounts (sign-up, step-up,
 * deleteAccount): a provider with a published listing that search indexed and a partner webhook
 * delivered, a payout account, a calendar feed and a secret ICS export; a client linked to a partner
 * application who messaged the provider (DynamoDB) with their email, phone and name, booked, paid
 * and reviewed. After both deletions and every user.deleted consumer:
 *  - no row of any table (every schema) and no item of any DynamoDB table holds their email, phone
 *    or names; their ids appear only in the tables infra/definitions/erasure-coverage.ts
 *    `idRetainedIn` names;
 *  - the provider's thread is intact for them while the client's words are tombstoned;
 *  - search drops the listing within 5 s;
 *  - redelivered user.deleted events change nothing.
 * It also holds the coverage map to the live stores: every json/jsonb column and every DynamoDB
 * table, item family and attribute must be declared.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dynamoCoverage,
  erasureCoverage,
  idRetainedIn,
  payloadCoverage,
} from '../../infra/definitions/erasure-coverage.ts';
import { eventConsumers } from '../../infra/definitions/domains.ts';
import { physicalTableName, tables } from '../../infra/definitions/tables.ts';
import { buildEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { deleteAccount, enqueue } from '../support/account-deletion.ts';
import { gql, registeredUser } from '../support/auth-client.ts';
import { onboardPayee } from '../support/checkout.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlOk, sql } from '../support/graphql.ts';
import { partnerSdk, WebhookReceiver } from '../support/partner.ts';
import { completedLeg, openForQuickSessions, quickSlot, SUBMIT } from '../support/reviews.ts';

const userDeletedConsumers = eventConsumers.filter((consumer) => consumer.eventTypes.includes('user.deleted'));

function dynamo() {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stackInfo().endpoints.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
}

async function scanAll(client: DynamoDBDocumentClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * Every base table of every schema, as JSON text per row: for each needle, the tables whose rows
 * contain it. One connection and one pass over each table for all the needles (a connection and a
 * full scan per table per needle made this file's checks take tens of seconds).
 */
async function tablesContainingEach(needles: readonly string[]): Promise<Map<string, string[]>> {
  const found = new Map(needles.map((needle) => [needle, [] as string[]]));
  const client = new pg.Client({ connectionString: stackInfo().endpoints.databaseUrl });
  await client.connect();
  try {
    const { rows: all } = await client.query<{ name: string }>(
      `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    for (const { name } of all) {
      const { rows } = await client.query<{ needle: string }>(
        `SELECT DISTINCT n.needle FROM ${name} t, unnest($1::text[]) AS n(needle)
          WHERE strpos(lower(row_to_json(t)::text), lower(n.needle)) > 0`,
        [needles],
      );
      for (const { needle } of rows) found.get(needle)!.push(name);
    }
  } finally {
    await client.end();
  }
  return found;
}

async function tablesContaining(needle: string): Promise<string[]> {
  return (await tablesContainingEach([needle])).get(needle)!;
}

async function consumersDone(userId: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    `SELECT count(DISTINCT i.consumer)::int AS n FROM consumer_inbox i JOIN outbox_events e ON e.id = i.event_id
      WHERE e.type = 'user.deleted' AND e.payload->>'userId' = $1`,
    [userId],
  );
  return row!.n;
}

const THREAD_MESSAGES = `query($t: ID!) { threadMessages(threadId: $t, limit: 50) { items { authorUserId body } } }`;

describe('account deletion end to end', () => {
  const receiver = new WebhookReceiver();
  let hookUrl: string;
  beforeAll(async () => {
    hookUrl = await receiver.start();
  });
  afterAll(() => receiver.stop());

  it('every json column and every DynamoDB table is declared in the coverage map', async () => {
    const live = await sql<{ name: string }>(
      `SELECT c.table_schema || '.' || c.table_name || '.' || c.column_name AS name
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
          AND c.data_type IN ('json', 'jsonb') ORDER BY 1`,
    );
    const names = live.map((row) => row.name);
    expect(
      names.filter((name) => !(name in payloadCoverage)),
      'json columns with no decision',
    ).toEqual([]);
    expect(
      Object.keys(payloadCoverage).filter((name) => !names.includes(name)),
      'payload entries naming no column',
    ).toEqual([]);
    const consumers = new Set(userDeletedConsumers.map((consumer) => consumer.name));
    for (const [where, action] of [...Object.entries(payloadCoverage), ...Object.entries(erasureCoverage)])
      if ('by' in action && action.by !== 'auth') expect(consumers.has(action.by), `${where}: ${action.by}`).toBe(true);
    for (const [family, spec] of Object.entries(dynamoCoverage))
      if ('by' in spec.action) expect(consumers.has(spec.action.by), `${family}: ${spec.action.by}`).toBe(true);

    const client = dynamo();
    try {
      const { TableNames = [] } = await client.send(new ListTablesCommand({}));
      const declared = new Map(tables.map((spec) => [physicalTableName('local', spec), spec.id]));
      expect(
        TableNames.filter((name) => !declared.has(name)),
        'DynamoDB tables the coverage map does not know',
      ).toEqual([]);
      for (const spec of tables)
        expect(
          Object.values(dynamoCoverage).some((family) => family.table === spec.id),
          `no item family declared for table ${spec.id}`,
        ).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('deletes a provider and a client from every store: rows, items and payloads; search within 5 s; idempotent', async () => {
    const owner = await registeredUser({ role: 'provider' });
    const client = await registeredUser({ role: 'client' });
    const tag = newId('request').slice(-8).toLowerCase();
    const ownerName = `Marisol Quenby ${tag}`;
    const clientName = `Thaddeus Orrin ${tag}`;
    const clientPhone = `+1 415 555 ${String(Number.parseInt(tag, 36) % 10_000).padStart(4, '0')}`;
    // Names and a phone on the accounts, as account settings keep them.
    await sql('UPDATE users SET display_name = $2 WHERE id = $1', [owner.userId, ownerName]);
    await sql('UPDATE users SET display_name = $2, phone = $3 WHERE id = $1', [client.userId, clientName, clientPhone]);

    // The owner's listing, its slug built from the name; published as profiles publishes it.
    const profileId = newId('profile');
    const slug = `marisol-quenby-${tag}`;
    await sql(
      `INSERT INTO service_profiles (id, owner_user_id, role, slug, status, display_name, city_code, price_min_cents, currency, published_at)
       VALUES ($1, $2, 'PHOTOGRAPHER', $3, 'PUBLISHED', $4, 'us-lax', 20000, 'USD', now())`,
      [profileId, owner.userId, slug, ownerName],
    );
    // A partner application acting for the client, with a webhook endpoint on profile.published.
    const { sdk, credentials } = await partnerSdk(['webhooks:manage'], undefined, client.userId);
    await sdk.createWebhookEndpoint({ url: `${hookUrl}/erasure-${tag}`, eventTypes: ['profile.published'] });
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
    await eventually(async () => receiver.about(profileId, `/hooks/erasure-${tag}`).length > 0, 20_000);
    expect(receiver.about(profileId, `/hooks/erasure-${tag}`)[0]!.body).toContain(slug);
    await eventually(
      async () => (await sql('SELECT 1 FROM search_documents WHERE owner_user_id = $1', [owner.userId])).length > 0,
      20_000,
    );

    // Messages (DynamoDB): the client's inquiry carries their email, phone and name; the owner replies.
    const started = (
      await gqlOk(
        client.accessToken,
        `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
        { input: { profileId, body: `Hello, I am ${clientName}: write to ${client.email} or call ${clientPhone}.` } },
      )
    ).startInquiry;
    const threadId: string = started.thread.threadId;
    await gqlOk(owner.accessToken, `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }`, {
      input: { threadId, body: 'Happy to help, see you at the studio.', clientToken: `tok-${tag}` },
    });
    await gqlOk(
      client.accessToken,
      `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }`,
      { input: { threadId, body: `Thanks! ${clientName}`, clientToken: `tok-${tag}` } },
    );

    // A payout account, then a paid, completed booking (one transfer: the provider's payable ledger account).
    await onboardPayee(owner.accessToken);
    await openForQuickSessions(owner.accessToken, profileId);
    const { groupId, legId } = await completedLeg({
      ownerToken: owner.accessToken,
      clientToken: client.accessToken,
      profileId,
      startsAt: quickSlot(3),
    });
    await gqlOk(client.accessToken, SUBMIT, { input: { legId, rating: 5, body: 'Wonderful session.' } });
    await gqlOk(owner.accessToken, SUBMIT, { input: { legId, rating: 4, body: 'Punctual client.' } });

    // A calendar export (secret URL) and a feed of it.
    const exported = (
      await gqlOk(owner.accessToken, `mutation($id: ID!) { rotateCalendarExport(resourceId: $id) { url } }`, {
        id: profileId,
      })
    ).rotateCalendarExport;
    await gqlOk(
      owner.accessToken,
      `mutation($input: AddCalendarFeedInput!) { addCalendarFeed(input: $input) { id } }`,
      { input: { resourceId: profileId, url: exported.url } },
    );

    // Before: the data is there in every store this test then checks (so the checks below bite).
    expect(await tablesContaining(client.email)).not.toEqual([]);
    for (const [table, column, userId] of [
      ['payment_intent_requests', 'client_user_id', client.userId],
      ['booking_calendar_feeds', 'owner_user_id', owner.userId],
      ['booking_calendar_exports', 'owner_user_id', owner.userId],
      ['payout_accounts', 'user_id', owner.userId],
    ] as const)
      expect(await sql(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [userId]), table).not.toEqual([]);
    expect(
      await sql('SELECT 1 FROM ledger_accounts WHERE code = $1', [`provider_payable:${owner.userId}`]),
    ).toHaveLength(1);
    expect(await sql('SELECT 1 FROM partner.client WHERE account_user_id = $1', [client.userId])).toHaveLength(1);
    expect(await sql(`SELECT 1 FROM partner.event WHERE payload->>'slug' = $1`, [slug])).not.toEqual([]);
    const db = dynamo();
    const messagingTable = physicalTableName(
      'local',
      tables.find((spec) => spec.id === 'messaging')!,
    );
    const dynamoText = async () =>
      (
        await Promise.all(
          tables.map(async (spec) =>
            (await scanAll(db, physicalTableName('local', spec))).map((item) => ({
              table: spec.id,
              item,
              text: JSON.stringify(item).toLowerCase(),
            })),
          ),
        )
      ).flat();
    expect((await dynamoText()).some((entry) => entry.text.includes(client.email.toLowerCase()))).toBe(true);

    try {
      // ---- the client deletes their account: the owner's thread stays, the client's words do not.
      await deleteAccount(client.accessToken, client.email);
      await eventually(async () => (await consumersDone(client.userId)) === userDeletedConsumers.length, 30_000);
      const seen = (await gqlOk(owner.accessToken, THREAD_MESSAGES, { t: threadId })).threadMessages.items as {
        authorUserId: string;
        body: string;
      }[];
      expect(seen.map((message) => message.body)).toContain('Happy to help, see you at the studio.');
      const theirs = seen.filter(
        (message) => message.authorUserId !== owner.userId && message.authorUserId !== 'system',
      );
      expect(theirs.length).toBe(2);
      for (const message of theirs) {
        expect(message.body).toMatch(/removed/);
        expect(message.authorUserId).not.toBe(client.userId);
      }
      // No one writes to an erased account.
      const refused = await gql(
        owner.accessToken,
        `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }`,
        { input: { threadId, body: 'Are you there?' } },
      );
      expect(refused.body.errors?.[0]).toMatchObject({
        errorType: 'CONFLICT',
        errorInfo: { code: 'MESSAGING.THREAD_CLOSED' },
      });

      // ---- the owner deletes theirs: search drops the listing within 5 s.
      await deleteAccount(owner.accessToken, owner.email);
      const deletedAt = Date.now();
      await eventually(
        async () => (await sql('SELECT 1 FROM search_documents WHERE owner_user_id = $1', [owner.userId])).length === 0,
        5_000,
        50,
      );
      expect(Date.now() - deletedAt).toBeLessThan(5_000);
      await eventually(async () => (await consumersDone(owner.userId)) === userDeletedConsumers.length, 30_000);
      // The former slug of the owner's published page is kept until its cached page is evicted for good
      // (public_page_evictions, lambdas/profiles/erased-page-evictions.ts: the fill window is 20 s), then goes.
      await eventually(
        async () => (await sql('SELECT 1 FROM public_page_evictions WHERE slug = $1', [slug])).length === 0,
        60_000,
        500,
      );

      // ---- nothing anywhere holds their contact details or names; ids only where declared.
      const check = async () => {
        const contactDetails = [
          client.email,
          owner.email,
          clientPhone,
          clientPhone.replace(/\D/g, ''),
          clientName,
          ownerName,
          slug,
        ];
        const userIds = [client.userId, owner.userId];
        const holding = await tablesContainingEach([...contactDetails, ...userIds]);
        for (const needle of contactDetails) expect(holding.get(needle), `rows holding ${needle}`).toEqual([]);
        for (const userId of userIds)
          expect(
            holding.get(userId)!.filter((table) => !(table in idRetainedIn)),
            `tables still naming ${userId} in clear`,
          ).toEqual([]);
        const entries = await dynamoText();
        for (const entry of entries) {
          const key = `${entry.item.pk as string} ${(entry.item.sk as string | undefined) ?? ''}`;
          const families = Object.entries(dynamoCoverage).filter(
            ([, family]) => family.table === entry.table && new RegExp(family.key).test(key),
          );
          expect(families.length, `${entry.table} item ${key}: undeclared item family`).toBe(1);
          const [name, family] = families[0]!;
          expect(
            Object.keys(entry.item).filter((attribute) => !family.attributes.includes(attribute)),
            `${name}: undeclared attributes`,
          ).toEqual([]);
          for (const needle of [client.email, owner.email, clientPhone, clientName, ownerName, slug])
            expect(entry.text.includes(needle.toLowerCase()), `${name} item ${key} holds ${needle}`).toBe(false);
          for (const userId of [client.userId, owner.userId])
            if (entry.text.includes(userId.toLowerCase())) {
              expect(family.action.kind, `${name} item ${key} names ${userId}`).toBe('expires');
              expect(typeof entry.item.expiresAt).toBe('number');
            }
        }
        return entries.length;
      };
      await check();

      // Kept by law, pseudonymised: the money trail and the ledger still balance under the pseudonym.
      const [intent] = await sql(
        'SELECT client_user_id, amount_cents FROM payment_intent_requests WHERE group_id = $1',
        [groupId],
      );
      expect(intent.client_user_id).toMatch(/^usr_/);
      expect(Number(intent.amount_cents)).toBeGreaterThan(0);
      const payable = await sql(
        `SELECT l.account_code, sum(l.amount_cents)::bigint AS total FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
          WHERE e.group_id = $1 AND l.account_code LIKE 'provider_payable:%' GROUP BY 1`,
        [groupId],
      );
      expect(payable.length).toBe(1);
      const [transfer] = await sql('SELECT payee_user_id FROM payment_transfers WHERE group_id = $1', [groupId]);
      expect(payable[0].account_code).toBe(`provider_payable:${transfer.payee_user_id}`);
      // The export URL is dead, the partner application acts for no one.
      expect((await fetch(exported.url)).status).toBe(404);
      expect(
        (await sql('SELECT account_user_id FROM partner.client WHERE client_id = $1', [credentials.clientId]))[0],
      ).toEqual({ account_user_id: null });

      // ---- redelivery: every user.deleted is published again; nothing changes, no consumer runs twice.
      const inboxBefore = await sql(
        `SELECT count(*)::int AS n FROM consumer_inbox i JOIN outbox_events e ON e.id = i.event_id WHERE e.type = 'user.deleted' AND e.payload->>'userId' = ANY($1)`,
        [[client.userId, owner.userId]],
      );
      const snapshot = async () => ({
        messages: (await scanAll(db, messagingTable))
          .filter((item) => String(item.pk) === `THR#${threadId}`)
          .map((item) => JSON.stringify(item))
          .sort(),
        groups: await sql('SELECT client_user_id FROM booking_groups WHERE id = $1', [groupId]),
        intents: await sql('SELECT client_user_id FROM payment_intent_requests WHERE group_id = $1', [groupId]),
        payables: await sql(`SELECT code FROM ledger_accounts WHERE code LIKE 'provider_payable:%' ORDER BY code`),
      });
      const before = await snapshot();
      const redelivered = await sql(
        `UPDATE outbox_events SET published_at = NULL WHERE type = 'user.deleted' AND payload->>'userId' = ANY($1) RETURNING id`,
        [[client.userId, owner.userId]],
      );
      expect(redelivered.length).toBe(2);
      await eventually(
        async () =>
          (
            await sql('SELECT 1 FROM outbox_events WHERE id = ANY($1) AND published_at IS NULL', [
              redelivered.map((row) => row.id),
            ])
          ).length === 0,
        20_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await snapshot()).toEqual(before);
      const inboxAfter = await sql(
        `SELECT count(*)::int AS n FROM consumer_inbox i JOIN outbox_events e ON e.id = i.event_id WHERE e.type = 'user.deleted' AND e.payload->>'userId' = ANY($1)`,
        [[client.userId, owner.userId]],
      );
      expect(inboxAfter).toEqual(inboxBefore);
      await check();
    } finally {
      db.destroy();
    }
  }, 300_000);
});
