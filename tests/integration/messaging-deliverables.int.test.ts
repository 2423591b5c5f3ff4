/**
 * Final deliverables as immutable manifests (#13, NTB-MSG-002) on the local stack, with the web app's
 * client (AWS Amplify v6) for the client's reads: the provider of a confirmed booking uploads files
 * through presigned PUTs into msg-previews `deliverables/`, posts them as a manifest whose SHA-256 the
 * server computed (a mismatch refused); members read it and download files through 5-minute URLs, a
 * non-member is told it does not exist; the client's accept / request-changes card is idempotent and
 * many conflicting decisions at once end in exactly one outcome, audited once; a posted manifest
 * cannot be rewritten, even by the database owner.
 */
import { createHash } from 'node:crypto';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { enqueue } from '../support/account-deletion.ts';
import { ACT, REQUEST, hoursFromNow, openAllDay, publishedStudio } from '../support/booking.ts';
import { payHold } from '../support/checkout.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { configureAmplify } from '../support/realtime.ts';
import { mintAccessToken } from '../support/tokens.ts';

interface User {
  readonly userId: string;
  readonly accessToken: string;
}
interface Upload {
  uploadId: string;
  uploadUrl: string;
  uploadHeaders: { name: string; value: string }[];
}
interface SetView {
  setId: string;
  version: number;
  status: string;
  decisionNote: string | null;
  files: { position: number; name: string; contentType: string; sizeBytes: number; sha256: string }[];
  viewerActions: string[];
}

const SET = `setId threadId bookingId version providerUserId clientUserId note status decisionNote decidedAt
  files { position name contentType sizeBytes sha256 } viewerActions`;
const UPLOAD = `mutation($input: RequestDeliverableUploadInput!) {
  requestDeliverableUpload(input: $input) { uploadId uploadUrl uploadHeaders { name value } expiresAt }
}`;
const POST = `mutation($input: PostDeliverablesInput!) { postDeliverables(input: $input) { ${SET} } }`;
const DECIDE = `mutation($input: DecideDeliverablesInput!) { decideDeliverables(input: $input) { ${SET} } }`;
const LIST = `query($t: ID!) { threadDeliverables(threadId: $t) { ${SET} } }`;
const FILE_URL = `query($t: ID!, $s: ID!, $p: Int!) {
  deliverableFileUrl(threadId: $t, setId: $s, position: $p) { url name contentType sizeBytes sha256 expiresAt }
}`;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const key = () => newId('request').replace('_', '-');

async function mintedUser(role: 'client' | 'provider'): Promise<User> {
  const userId = newId('user');
  return { userId, accessToken: await mintAccessToken({ userId, roles: [role] }) };
}

async function requestUpload(user: User, thread: string, name: string, bytes: Buffer, declared = sha256(bytes)) {
  return gqlAs(user.accessToken, UPLOAD, {
    input: { threadId: thread, name, contentType: 'application/pdf', sizeBytes: bytes.length, sha256: declared },
  });
}

async function uploaded(user: User, thread: string, name: string, bytes: Buffer, declared?: string): Promise<string> {
  const answer = await requestUpload(user, thread, name, bytes, declared);
  expect(answer.errors).toBeUndefined();
  const upload = answer.data.requestDeliverableUpload as Upload;
  const response = await fetch(upload.uploadUrl, {
    method: 'PUT',
    headers: Object.fromEntries(upload.uploadHeaders.map(({ name: header, value }) => [header, value])),
    body: bytes,
  });
  expect(response.status).toBe(200);
  return upload.uploadId;
}

let host: User;
let buyer: User;
let stranger: User;
let threadId: string;
let groupId: string;
let studio: string;

beforeAll(async () => {
  [host, buyer, stranger] = await Promise.all([mintedUser('provider'), mintedUser('client'), mintedUser('client')]);
  const studioId = await publishedStudio(host.userId, { instantBook: false });
  studio = studioId;
  await openAllDay(host.accessToken, studioId, {});
  configureAmplify(() => buyer.accessToken);
  threadId = (
    await gqlOk(
      buyer.accessToken,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
      { input: { studioId, body: 'Can you deliver the edited set by Friday?' } },
    )
  ).startInquiry.thread.threadId as string;
  groupId = (
    await gqlOk(buyer.accessToken, REQUEST, {
      input: {
        idempotencyKey: `req-${newId('request')}`,
        studioId,
        startsAt: hoursFromNow(24 * 7),
        durationMinutes: 60,
      },
    })
  ).requestBooking.id as string;
  // The thread follows the booking once booking.requested reached it (the action cards name it).
  await eventually(async () => {
    const cards = await gqlAs(host.accessToken, `query($t: ID!) { threadActionCards(threadId: $t) { bookingId } }`, {
      t: threadId,
    });
    return cards.data?.threadActionCards?.bookingId === groupId;
  });
}, 120_000);

afterAll(() => {
  Amplify.configure({});
});

async function confirmBooking(): Promise<void> {
  await gqlOk(host.accessToken, ACT, {
    input: { idempotencyKey: `act-${newId('request')}`, groupId, action: 'ACCEPT' },
  });
  await payHold(buyer.accessToken, groupId);
}

/** The client's view of the thread's sets, read with Amplify as the web app does. */
async function listAsBuyer(): Promise<SetView[]> {
  const answer = (await generateClient().graphql({
    query: LIST,
    variables: { t: threadId },
    authMode: 'oidc',
    authToken: buyer.accessToken,
  })) as { data: { threadDeliverables: SetView[] } };
  return answer.data.threadDeliverables;
}

describe('deliverables as immutable manifests', () => {
  it('are posted by the provider of a confirmed booking, checksummed by the server, read by members only', async () => {
    const contract = Buffer.from('%PDF-1.7 final edit, 42 photos\n'.repeat(500));
    // Before the booking is confirmed: refused with the booking's current state, never INTERNAL.
    const early = await requestUpload(host, threadId, 'edit.pdf', contract);
    expect(early.errors?.[0]).toMatchObject({ errorType: 'CONFLICT', errorInfo: { bookingStatus: 'REQUESTED' } });

    await confirmBooking();
    // The client does not post deliverables; a stranger is told the thread does not exist.
    expect((await requestUpload(buyer, threadId, 'x.pdf', contract)).errors?.[0]?.errorType).toBe('FORBIDDEN');
    expect((await requestUpload(stranger, threadId, 'x.pdf', contract)).errors?.[0]?.errorType).toBe('NOT_FOUND');

    const album = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const first = await uploaded(host, threadId, 'edit.pdf', contract);
    const second = await uploaded(host, threadId, 'album.pdf', album);
    const postKey = key();
    const post = () =>
      gqlAs(host.accessToken, POST, {
        input: { threadId, idempotencyKey: postKey, uploadIds: [first, second], note: 'v1' },
      });
    const posted = await post();
    expect(posted.errors).toBeUndefined();
    const set = posted.data.postDeliverables as SetView;
    expect(set).toMatchObject({ version: 1, status: 'PENDING', viewerActions: [] });
    expect(set.files).toEqual([
      {
        position: 0,
        name: 'edit.pdf',
        contentType: 'application/pdf',
        sizeBytes: contract.length,
        sha256: sha256(contract),
      },
      {
        position: 1,
        name: 'album.pdf',
        contentType: 'application/pdf',
        sizeBytes: album.length,
        sha256: sha256(album),
      },
    ]);
    // A replay answers the stored set (the uploads were consumed by the first post).
    expect((await post()).data.postDeliverables.setId).toBe(set.setId);

    // The client sees the set and its card through Amplify; downloads match the manifest's checksum.
    const seen = await listAsBuyer();
    expect(seen.map((entry) => [entry.setId, entry.viewerActions])).toEqual([
      [set.setId, ['ACCEPT', 'REQUEST_CHANGES']],
    ]);
    const link = (await gqlOk(buyer.accessToken, FILE_URL, { t: threadId, s: set.setId, p: 1 })).deliverableFileUrl;
    expect(link).toMatchObject({ name: 'album.pdf', sha256: sha256(album) });
    const downloaded = Buffer.from(await (await fetch(link.url)).arrayBuffer());
    expect(sha256(downloaded)).toBe(sha256(album));
    expect(Date.parse(link.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);

    // A non-member reads nothing: neither the sets nor a file URL.
    expect((await gqlAs(stranger.accessToken, LIST, { t: threadId })).errors?.[0]?.errorType).toBe('NOT_FOUND');
    const foreign = await gqlAs(stranger.accessToken, FILE_URL, { t: threadId, s: set.setId, p: 0 });
    expect(foreign.errors?.[0]?.errorType).toBe('NOT_FOUND');
    expect(foreign.data?.deliverableFileUrl ?? null).toBeNull();

    // The manifest is immutable: the role cannot, and even the owner's UPDATE / DELETE is refused.
    await expect(
      sql(`UPDATE message_deliverable_files SET sha256 = repeat('0', 64) WHERE set_id = $1`, [set.setId]),
    ).rejects.toThrow(/immutable/);
    await expect(sql(`UPDATE message_deliverable_sets SET note = 'forged' WHERE id = $1`, [set.setId])).rejects.toThrow(
      /immutable/,
    );
  });

  it('refuses a file whose stored bytes do not hash to the declared SHA-256, and discards the upload', async () => {
    const declared = Buffer.from('the agreed final cut '.repeat(100));
    const tampered = Buffer.from(declared);
    tampered[10] = tampered[10]! ^ 0xff;
    const uploadId = await uploaded(host, threadId, 'cut.pdf', tampered, sha256(declared));
    const input = { threadId, idempotencyKey: key(), uploadIds: [uploadId] };
    const refused = await gqlAs(host.accessToken, POST, { input });
    expect(refused.errors?.[0]).toMatchObject({
      errorType: 'DELIVERABLE_REFUSED',
      errorInfo: { reason: 'checksum-mismatch', uploadId },
    });
    expect(refused.data?.postDeliverables ?? null).toBeNull();
    // Nothing was recorded, and the upload cannot be posted again.
    expect(await sql(`SELECT 1 FROM message_deliverable_files WHERE upload_id = $1`, [uploadId])).toEqual([]);
    const again = await gqlAs(host.accessToken, POST, { input: { ...input, idempotencyKey: key() } });
    expect(again.errors?.[0]?.errorType).toBe('NOT_FOUND');
  });

  it('a new version supersedes; many conflicting decisions at once end in exactly one outcome, audited once', async () => {
    const revised = Buffer.from('revised edit '.repeat(300));
    const v2 = (
      await gqlOk(host.accessToken, POST, {
        input: { threadId, idempotencyKey: key(), uploadIds: [await uploaded(host, threadId, 'edit-v2.pdf', revised)] },
      })
    ).postDeliverables as SetView;
    expect(v2.version).toBe(2);
    const [latest, older] = await listAsBuyer();
    expect([latest!.setId, latest!.viewerActions, older!.viewerActions]).toEqual([
      v2.setId,
      ['ACCEPT', 'REQUEST_CHANGES'],
      [],
    ]);
    // The superseded version is no longer open: its current state, typed.
    const stale = await gqlAs(buyer.accessToken, DECIDE, {
      input: { threadId, setId: older!.setId, decision: 'ACCEPT', idempotencyKey: key() },
    });
    expect(stale.errors?.[0]).toMatchObject({
      errorType: 'CONFLICT',
      errorInfo: { status: 'SUPERSEDED', version: 1, latestVersion: 2 },
    });
    // The provider cannot decide on the client's behalf.
    const byHost = await gqlAs(host.accessToken, DECIDE, {
      input: { threadId, setId: v2.setId, decision: 'ACCEPT', idempotencyKey: key() },
    });
    expect(byHost.errors?.[0]?.errorType).toBe('FORBIDDEN');

    // 12 keys, half ACCEPT and half REQUEST_CHANGES, each sent 3 times: 36 decisions at once.
    const keys = Array.from({ length: 12 }, (_, i) => ({
      key: key(),
      decision: i % 2 === 0 ? 'ACCEPT' : 'REQUEST_CHANGES',
    }));
    const requests = keys.flatMap((entry) => [entry, entry, entry]);
    const answers = await Promise.all(
      requests.map((entry) =>
        gqlAs(buyer.accessToken, DECIDE, {
          input: { threadId, setId: v2.setId, decision: entry.decision, idempotencyKey: entry.key, note: 'see notes' },
        }).then((answer) => ({ entry, answer })),
      ),
    );
    const won = answers.filter(({ answer }) => !answer.errors);
    const winnerKeys = new Set(won.map(({ entry }) => entry.key));
    expect(winnerKeys.size).toBe(1);
    const outcome = won[0]!.answer.data.decideDeliverables.status as string;
    expect(new Set(won.map(({ answer }) => answer.data.decideDeliverables.status))).toEqual(new Set([outcome]));
    expect(outcome).toBe(won[0]!.entry.decision === 'ACCEPT' ? 'ACCEPTED' : 'CHANGES_REQUESTED');
    for (const { entry, answer } of answers) {
      if (winnerKeys.has(entry.key)) expect(answer.errors).toBeUndefined();
      else
        expect(answer.errors?.[0]).toMatchObject({
          errorType: 'CONFLICT',
          errorInfo: { status: outcome, version: 2, latestVersion: 2 },
        });
    }
    // A later replay of the winning key answers the stored outcome; the card is closed for everybody.
    const winner = won[0]!.entry;
    const replay = await gqlOk(buyer.accessToken, DECIDE, {
      input: { threadId, setId: v2.setId, decision: winner.decision, idempotencyKey: winner.key },
    });
    expect(replay.decideDeliverables).toMatchObject({ status: outcome, decisionNote: 'see notes' });
    // The winning key with the other decision is not a replay: refused as a reused key.
    const flipped = await gqlAs(buyer.accessToken, DECIDE, {
      input: {
        threadId,
        setId: v2.setId,
        decision: winner.decision === 'ACCEPT' ? 'REQUEST_CHANGES' : 'ACCEPT',
        idempotencyKey: winner.key,
      },
    });
    expect(flipped.errors?.[0]).toMatchObject({ errorInfo: { code: 'DELIVERABLES.KEY_REUSED' } });
    expect((await listAsBuyer())[0]!.viewerActions).toEqual([]);
    const audited = await sql<{ action: string; actor: string }>(
      `SELECT action, actor FROM audit_log WHERE subject = $1 ORDER BY seq`,
      [v2.setId],
    );
    expect(audited).toEqual([
      { action: 'messaging.deliverables.posted', actor: host.userId },
      {
        action: outcome === 'ACCEPTED' ? 'messaging.deliverables.accepted' : 'messaging.deliverables.changes_requested',
        actor: buyer.userId,
      },
    ]);
  });

  it('serves the bytes that were checksummed even when the upload URL puts other bytes after the post', async () => {
    const agreed = Buffer.from('the approved master '.repeat(200));
    const answer = await requestUpload(host, threadId, 'master.pdf', agreed);
    expect(answer.errors).toBeUndefined();
    const upload = answer.data.requestDeliverableUpload as Upload;
    const put = (body: Buffer) =>
      fetch(upload.uploadUrl, {
        method: 'PUT',
        headers: Object.fromEntries(upload.uploadHeaders.map(({ name, value }) => [name, value])),
        body,
      });
    expect((await put(agreed)).status).toBe(200);
    const set = (
      await gqlOk(host.accessToken, POST, {
        input: { threadId, idempotencyKey: key(), uploadIds: [upload.uploadId] },
      })
    ).postDeliverables as SetView;
    // Same size and type, other bytes, through the still-valid upload URL.
    const swapped = Buffer.from(agreed);
    swapped[0] = swapped[0]! ^ 0xff;
    expect((await put(swapped)).status).toBe(200);
    const link = (await gqlOk(buyer.accessToken, FILE_URL, { t: threadId, s: set.setId, p: 0 })).deliverableFileUrl;
    expect(link.sha256).toBe(sha256(agreed));
    expect(sha256(Buffer.from(await (await fetch(link.url)).arrayBuffer()))).toBe(sha256(agreed));
  });

  it('one post key sent at once in two threads of the provider: one set, the other a typed KEY_REUSED', async () => {
    // A second client's thread and confirmed booking with the same provider.
    const other = await mintedUser('client');
    const otherThread = (
      await gqlOk(
        other.accessToken,
        `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
        { input: { studioId: studio, body: 'Another shoot, another set.' } },
      )
    ).startInquiry.thread.threadId as string;
    const otherGroup = (
      await gqlOk(other.accessToken, REQUEST, {
        input: {
          idempotencyKey: `req-${newId('request')}`,
          studioId: studio,
          startsAt: hoursFromNow(24 * 9),
          durationMinutes: 60,
        },
      })
    ).requestBooking.id as string;
    await eventually(async () => {
      const cards = await gqlAs(host.accessToken, `query($t: ID!) { threadActionCards(threadId: $t) { bookingId } }`, {
        t: otherThread,
      });
      return cards.data?.threadActionCards?.bookingId === otherGroup;
    });
    await gqlOk(host.accessToken, ACT, {
      input: { idempotencyKey: `act-${newId('request')}`, groupId: otherGroup, action: 'ACCEPT' },
    });
    await payHold(other.accessToken, otherGroup);

    for (let round = 0; round < 3; round += 1) {
      const postKey = key();
      const bytes = Buffer.from(`round ${round} `.repeat(400));
      const [here, there] = await Promise.all([
        uploaded(host, threadId, 'a.pdf', bytes),
        uploaded(host, otherThread, 'b.pdf', bytes),
      ]);
      const answers = await Promise.all([
        gqlAs(host.accessToken, POST, { input: { threadId, idempotencyKey: postKey, uploadIds: [here] } }),
        gqlAs(host.accessToken, POST, {
          input: { threadId: otherThread, idempotencyKey: postKey, uploadIds: [there] },
        }),
      ]);
      expect(answers.filter((answer) => !answer.errors)).toHaveLength(1);
      expect(answers.find((answer) => answer.errors)?.errors?.[0]).toMatchObject({
        errorInfo: { code: 'DELIVERABLES.KEY_REUSED' },
      });
    }
  });

  it('answers bad input with typed errors', async () => {
    const bad = await gqlAs(host.accessToken, UPLOAD, {
      input: { threadId, name: '../etc/passwd', contentType: 'pdf', sizeBytes: 0, sha256: 'nope' },
    });
    expect(bad.errors?.[0]?.errorType).toBe('BAD_REQUEST');
    const unknownSet = await gqlAs(buyer.accessToken, DECIDE, {
      input: { threadId, setId: newId('deliverableSet'), decision: 'ACCEPT', idempotencyKey: key() },
    });
    expect(unknownSet.errors?.[0]?.errorType).toBe('NOT_FOUND');
  });

  // Last: it erases the provider.
  it("account erasure deletes the provider's unposted uploads and keeps the posted manifests", async () => {
    const unposted = await uploaded(host, threadId, 'draft.pdf', Buffer.from('draft '.repeat(50)));
    const [objectKey] = await sql<{ object_key: string }>(
      `SELECT object_key FROM message_deliverable_uploads WHERE id = $1`,
      [unposted],
    );
    expect(objectKey).toBeDefined();
    const [before] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM message_deliverable_sets WHERE provider_user_id = $1`,
      [host.userId],
    );
    await enqueue(buildEvent('user.deleted', { userId: host.userId, deletedAt: new Date().toISOString() }));
    await eventually(async () => {
      const [row] = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM consumer_inbox i JOIN outbox_events e ON e.id = i.event_id
          WHERE i.consumer = 'messaging-user-deleted' AND e.payload->>'userId' = $1`,
        [host.userId],
      );
      return row!.n > 0;
    });
    expect(await sql(`SELECT 1 FROM message_deliverable_uploads WHERE uploader_user_id = $1`, [host.userId])).toEqual(
      [],
    );
    const kept = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM message_deliverable_sets WHERE provider_user_id = $1`,
      [host.userId],
    );
    expect(kept[0]!.n).toBe(before!.n);
  });
});
