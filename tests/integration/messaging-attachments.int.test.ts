/**
 * Image attachments in threads (#13, NTB-MSG-002) end to end with the web app's client (AWS Amplify
 * v6): presigned PUT to the local S3, completion through the scan (sniffed type, metadata stripped,
 * the moderation classifier), a message that shows the preview, download URLs for members only,
 * and refusals for unsafe, mistyped or mis-sized files.
 */
import { DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sweepExpiredObjects } from '../../infra/local/s3-lifecycle.ts';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { generateClient } from 'aws-amplify/api';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagePreviewsBucket, physicalBucketName } from '../../infra/definitions/buckets.ts';
import { messagingTable, physicalTableName } from '../../infra/definitions/tables.ts';
import { buildEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { MAX_UNSENT_PER_THREAD, UNSENT_TTL_SECONDS } from '../../lambdas/messaging/attachments.service.ts';
import { MessagingExport } from '../../lambdas/messaging/index.ts';
import { enqueue } from '../support/account-deletion.ts';
import { publishedStudio } from '../support/booking.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { testJpeg, testPng } from '../support/images.ts';
import { resetAmplify } from '../support/amplify.ts';
import { configureAmplify } from '../support/realtime.ts';
import { mintAccessToken } from '../support/tokens.ts';

interface User {
  readonly userId: string;
  readonly accessToken: string;
}
interface Upload {
  attachmentId: string;
  uploadUrl: string;
  uploadHeaders: { name: string; value: string }[];
  expiresAt: string;
}
interface GraphqlError {
  errorType?: string;
  errorInfo?: Record<string, unknown>;
}

const REQUEST = `mutation($input: RequestMessageAttachmentUploadInput!) {
  requestMessageAttachmentUpload(input: $input) { attachmentId uploadUrl uploadHeaders { name value } expiresAt }
}`;
const COMPLETE = `mutation($t: ID!, $a: ID!) {
  completeMessageAttachment(threadId: $t, attachmentId: $a) { attachmentId threadId status contentType width height }
}`;
const DOWNLOAD = `query($t: ID!, $a: ID!) { messageAttachmentUrl(threadId: $t, attachmentId: $a) { url contentType expiresAt } }`;
const SEND = `mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { messageId type body attachments { attachmentId contentType width height } }
}`;

async function mintedUser(role: 'client' | 'provider'): Promise<User> {
  const userId = newId('user');
  return { userId, accessToken: await mintAccessToken({ userId, roles: [role] }) };
}

/** A GraphQL call with Amplify as the web app makes it; answers data or the errors Amplify reports. */
async function amplify(user: User, query: string, variables: Record<string, unknown>) {
  try {
    const answer = (await generateClient().graphql({
      query,
      variables,
      authMode: 'oidc',
      authToken: user.accessToken,
    })) as { data: any };
    return { data: answer.data, errors: undefined as GraphqlError[] | undefined };
  } catch (failure) {
    const errors = (failure as { errors?: GraphqlError[] }).errors;
    if (!errors) throw failure;
    return { data: undefined, errors };
  }
}

async function put(upload: Upload, bytes: Buffer): Promise<number> {
  const response = await fetch(upload.uploadUrl, {
    method: 'PUT',
    headers: Object.fromEntries(upload.uploadHeaders.map(({ name, value }) => [name, value])),
    body: bytes,
  });
  return response.status;
}

let owner: User;
let buyer: User;
let stranger: User;
let threadId: string;

async function requestUpload(user: User, contentType: string, sizeBytes: number, thread = threadId): Promise<Upload> {
  const answer = await amplify(user, REQUEST, { input: { threadId: thread, contentType, sizeBytes } });
  expect(answer.errors).toBeUndefined();
  return answer.data.requestMessageAttachmentUpload as Upload;
}

/** A fresh provider, client and inquiry thread (fresh users: their own rate-limit buckets). */
async function inquiry(): Promise<{ owner: User; buyer: User; threadId: string }> {
  const [provider, client] = await Promise.all([mintedUser('provider'), mintedUser('client')]);
  const studioId = await publishedStudio(provider.userId, { instantBook: false });
  const thread = (
    await gqlOk(
      client.accessToken,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
      { input: { studioId, body: 'Here is the mood I have in mind' } },
    )
  ).startInquiry.thread.threadId as string;
  return { owner: provider, buyer: client, threadId: thread };
}

const dynamo = () =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stackInfo().endpoints.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
const messagingTableName = () => physicalTableName('local', messagingTable);
const previewsBucket = () => physicalBucketName('local', messagePreviewsBucket);

/** The thread's ATT# items as stored. */
async function attachmentItems(thread: string): Promise<Record<string, any>[]> {
  const { Items } = await dynamo().send(
    new QueryCommand({
      TableName: messagingTableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :att)',
      ExpressionAttributeValues: { ':pk': `THR#${thread}`, ':att': 'ATT#' },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

async function objectExists(key: string): Promise<boolean> {
  const s3 = new S3Client({
    endpoint: stackInfo().endpoints.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    await s3.send(new HeadObjectCommand({ Bucket: previewsBucket(), Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

beforeAll(async () => {
  stranger = await mintedUser('client');
  ({ owner, buyer, threadId } = await inquiry());
  configureAmplify(() => buyer.accessToken);
}, 120_000);

afterAll(() => {
  resetAmplify();
});

describe('message attachments', () => {
  it('a member uploads, the scan accepts it, the message shows it, and only members can download it', async () => {
    // A JPEG with GPS in its EXIF: the preview must come out without it.
    const photo = await testJpeg({ width: 2400, height: 1600, gps: true });
    const upload = await requestUpload(buyer, 'image/jpeg', photo.length);
    expect(upload.uploadHeaders).toEqual(
      expect.arrayContaining([
        { name: 'content-type', value: 'image/jpeg' },
        { name: 'content-length', value: String(photo.length) },
      ]),
    );
    // The signature binds the declared type and length (S3 refuses any other in AWS).
    const signed = new URL(upload.uploadUrl).searchParams.get('X-Amz-SignedHeaders') ?? '';
    expect(signed.split(';')).toEqual(expect.arrayContaining(['content-length', 'content-type', 'host']));

    // Before the bytes arrive, completion is a typed conflict; a stranger, or the other member, cannot complete it.
    const early = await amplify(buyer, COMPLETE, { t: threadId, a: upload.attachmentId });
    expect(early.errors?.[0]?.errorType).toBe('CONFLICT');
    expect(await put(upload, photo)).toBe(200);
    for (const other of [stranger, owner]) {
      const refused = await gqlAs(other.accessToken, COMPLETE, { t: threadId, a: upload.attachmentId });
      expect(refused.errors?.[0]?.errorType).toBe('NOT_FOUND');
    }

    // Concurrent completions: one scan's verdict, the same answer for all.
    const completions = await Promise.all(
      Array.from({ length: 4 }, () => amplify(buyer, COMPLETE, { t: threadId, a: upload.attachmentId })),
    );
    for (const completion of completions) {
      expect(completion.errors).toBeUndefined();
      expect(completion.data.completeMessageAttachment).toEqual({
        attachmentId: upload.attachmentId,
        threadId,
        status: 'READY',
        contentType: 'image/webp',
        width: 1600,
        height: 1067,
      });
    }

    // Not sent yet: only its uploader may look at it.
    expect(
      (await gqlAs(owner.accessToken, DOWNLOAD, { t: threadId, a: upload.attachmentId })).errors?.[0]?.errorType,
    ).toBe('NOT_FOUND');

    // Five concurrent sends of one attachment: exactly one message carries it.
    const sends = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        amplify(buyer, SEND, {
          input: { threadId, body: i === 0 ? 'The mood board' : null, attachmentId: upload.attachmentId },
        }),
      ),
    );
    const sent = sends.filter((answer) => !answer.errors);
    expect(sent).toHaveLength(1);
    for (const refused of sends.filter((answer) => answer.errors))
      expect(refused.errors?.[0]).toMatchObject({
        errorType: 'CONFLICT',
        errorInfo: { code: 'MESSAGING.ATTACHMENT_UNAVAILABLE' },
      });
    expect(sent[0]!.data.sendMessage).toMatchObject({
      type: 'ASSET',
      attachments: [{ attachmentId: upload.attachmentId, contentType: 'image/webp', width: 1600, height: 1067 }],
    });

    // The owner sees it in the thread and downloads it; the preview has no EXIF/GPS left.
    const listed = (
      await gqlOk(
        owner.accessToken,
        `query($t: ID!) { threadMessages(threadId: $t, limit: 5) { items { type attachments { attachmentId } } } }`,
        { t: threadId },
      )
    ).threadMessages.items as { type: string; attachments: { attachmentId: string }[] }[];
    expect(listed[0]).toEqual({ type: 'ASSET', attachments: [{ attachmentId: upload.attachmentId }] });
    const link = (await gqlOk(owner.accessToken, DOWNLOAD, { t: threadId, a: upload.attachmentId }))
      .messageAttachmentUrl;
    expect(link.contentType).toBe('image/webp');
    const downloaded = Buffer.from(await (await fetch(link.url)).arrayBuffer());
    const meta = await sharp(downloaded).metadata();
    expect({ format: meta.format, width: meta.width, exif: meta.exif }).toEqual({
      format: 'webp',
      width: 1600,
      exif: undefined,
    });

    // A non-member never gets a URL, whatever they know about the ids; nor through another thread.
    const intruder = await amplify(stranger, DOWNLOAD, { t: threadId, a: upload.attachmentId });
    expect(intruder.errors?.[0]?.errorType).toBe('NOT_FOUND');
    expect(intruder.data).toBeUndefined();
  });

  it('refuses not-safe-for-work images, files that are not the declared image, and wrong sizes', async () => {
    // The classifier's local test marker (lambdas/adapters/nsfwjs-moderator.ts): band 2.
    const explicit = await testPng({ marker: true });
    const flagged = await requestUpload(buyer, 'image/png', explicit.length);
    expect(await put(flagged, explicit)).toBe(200);
    const verdict = await amplify(buyer, COMPLETE, { t: threadId, a: flagged.attachmentId });
    expect(verdict.errors?.[0]).toMatchObject({
      errorType: 'ATTACHMENT_REFUSED',
      errorInfo: { code: 'MESSAGING.ATTACHMENT_REFUSED', reason: 'not-safe-for-work' },
    });
    // Refused stays refused; it can be neither sent nor downloaded, by anyone.
    expect((await amplify(buyer, COMPLETE, { t: threadId, a: flagged.attachmentId })).errors?.[0]?.errorType).toBe(
      'ATTACHMENT_REFUSED',
    );
    const send = await amplify(buyer, SEND, { input: { threadId, attachmentId: flagged.attachmentId } });
    expect(send.errors?.[0]?.errorType).toBe('CONFLICT');
    for (const user of [buyer, owner])
      expect(
        (await gqlAs(user.accessToken, DOWNLOAD, { t: threadId, a: flagged.attachmentId })).errors?.[0]?.errorType,
      ).toBe('NOT_FOUND');

    // Bytes that are not the declared type (a PDF declared as PNG).
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const mistyped = await requestUpload(buyer, 'image/png', pdf.length);
    expect(await put(mistyped, pdf)).toBe(200);
    expect((await amplify(buyer, COMPLETE, { t: threadId, a: mistyped.attachmentId })).errors?.[0]).toMatchObject({
      errorType: 'ATTACHMENT_REFUSED',
      errorInfo: { reason: 'not-an-allowed-image' },
    });

    // More bytes than declared (s3rver does not enforce the signed length; the scan does).
    const photo = await testJpeg();
    const small = await requestUpload(buyer, 'image/jpeg', 100);
    await fetch(small.uploadUrl, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: photo });
    expect((await amplify(buyer, COMPLETE, { t: threadId, a: small.attachmentId })).errors?.[0]).toMatchObject({
      errorType: 'ATTACHMENT_REFUSED',
      errorInfo: { reason: 'size-mismatch' },
    });

    // Limits at the door: type allow-list and 20 MB, typed; non-members cannot even ask.
    for (const input of [
      { threadId, contentType: 'application/pdf', sizeBytes: 1_000 },
      { threadId, contentType: 'image/jpeg', sizeBytes: 20 * 1024 * 1024 + 1 },
      { threadId, contentType: 'image/jpeg', sizeBytes: 0 },
    ])
      expect((await amplify(buyer, REQUEST, { input })).errors?.[0]?.errorType).toBe('BAD_REQUEST');
    const outsider = await amplify(stranger, REQUEST, { input: { threadId, contentType: 'image/png', sizeBytes: 10 } });
    expect(outsider.errors?.[0]?.errorType).toBe('NOT_FOUND');
  });

  it('caps unsent attachments per member and thread, also under concurrent requests; unsent ones expire', async () => {
    const fresh = await inquiry();
    // The table expires items through TTL on expiresAt (only unsent attachments carry it).
    const ttl = await dynamo().send(new DescribeTimeToLiveCommand({ TableName: messagingTableName() }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });

    const ask = () =>
      amplify(fresh.buyer, REQUEST, { input: { threadId: fresh.threadId, contentType: 'image/png', sizeBytes: 10 } });
    const burst = await Promise.all(Array.from({ length: 2 * MAX_UNSENT_PER_THREAD }, ask));
    const granted = burst.filter((answer) => !answer.errors);
    expect(granted.length).toBeLessThanOrEqual(MAX_UNSENT_PER_THREAD);
    for (const refused of burst.filter((answer) => answer.errors))
      expect(['MESSAGING.ATTACHMENT_QUOTA', 'REQUEST.RATE_LIMITED', 'MESSAGING.CONTENDED']).toContain(
        refused.errors?.[0]?.errorInfo?.code,
      );
    // Whatever the burst left free can be taken in order, and no more than the cap.
    for (let i = granted.length; i < MAX_UNSENT_PER_THREAD; i++) expect((await ask()).errors).toBeUndefined();
    const over = await ask();
    expect(over.errors?.[0]).toMatchObject({
      errorType: 'CONFLICT',
      errorInfo: { code: 'MESSAGING.ATTACHMENT_QUOTA', limit: MAX_UNSENT_PER_THREAD },
    });
    const items = await attachmentItems(fresh.threadId);
    expect(items).toHaveLength(MAX_UNSENT_PER_THREAD);
    const now = Date.now() / 1000;
    for (const item of items) expect(Math.abs(item.expiresAt - now - UNSENT_TTL_SECONDS)).toBeLessThan(120);
    // The other member has their own allowance in the same thread.
    const theirs = await amplify(fresh.owner, REQUEST, {
      input: { threadId: fresh.threadId, contentType: 'image/png', sizeBytes: 10 },
    });
    expect(theirs.errors).toBeUndefined();
  });

  it('erasure deletes the unsent attachments and their objects; sent ones follow the message policy', async () => {
    const fresh = await inquiry();
    const photo = await testJpeg({ width: 800, height: 600 });
    const upload = async () => {
      const answer = await amplify(fresh.buyer, REQUEST, {
        input: { threadId: fresh.threadId, contentType: 'image/jpeg', sizeBytes: photo.length },
      });
      expect(answer.errors).toBeUndefined();
      const made = answer.data.requestMessageAttachmentUpload as Upload;
      expect(await put(made, photo)).toBe(200);
      return made.attachmentId;
    };
    const complete = async (attachmentId: string) =>
      expect((await amplify(fresh.buyer, COMPLETE, { t: fresh.threadId, a: attachmentId })).errors).toBeUndefined();
    // One sent, one scanned but never sent (a preview), one uploaded but never completed (the upload).
    const [sentId, readyId, uploadedId] = [await upload(), await upload(), await upload()];
    await complete(sentId);
    await complete(readyId);
    const sent = await amplify(fresh.buyer, SEND, {
      input: { threadId: fresh.threadId, body: 'the set', attachmentId: sentId },
    });
    expect(sent.errors).toBeUndefined();
    const before = new Map((await attachmentItems(fresh.threadId)).map((item) => [item.attachmentId, item]));
    // A preview waits under unsent/ (expired by the bucket's lifecycle); sending moved this one to previews/.
    expect(before.get(readyId)!.previewKey).toMatch(/^unsent\//);
    expect(before.get(sentId)).toMatchObject({ previewKey: expect.stringMatching(/^previews\//) });
    expect(before.get(sentId)!.expiresAt).toBeUndefined();
    expect(before.get(readyId)!.expiresAt).toEqual(expect.any(Number));
    const unsentKeys = [before.get(readyId)!.previewKey, before.get(uploadedId)!.incomingKey] as string[];
    for (const key of [...unsentKeys, before.get(sentId)!.previewKey]) expect(await objectExists(key)).toBe(true);

    await enqueue(buildEvent('user.deleted', { userId: fresh.buyer.userId, deletedAt: new Date().toISOString() }));
    await eventually(async () => {
      const [row] = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM consumer_inbox i JOIN outbox_events e ON e.id = i.event_id
          WHERE i.consumer = 'messaging-user-deleted' AND e.payload->>'userId' = $1`,
        [fresh.buyer.userId],
      );
      return row!.n > 0;
    });

    // Unsent: neither the items nor their objects remain.
    const after = await attachmentItems(fresh.threadId);
    expect(after.map((item) => item.attachmentId)).toEqual([sentId]);
    for (const key of unsentKeys) expect(await objectExists(key), key).toBe(false);
    // Sent: kept for the other member as the message is, its uploader the pseudonym.
    expect(after[0]!.uploaderUserId).not.toBe(fresh.buyer.userId);
    expect(after[0]!.uploaderUserId).toMatch(/^usr_/);
    expect(after[0]!.messageId).toBe(sent.data.sendMessage.messageId);
    expect(await objectExists(after[0]!.previewKey)).toBe(true);
    const link = await gqlOk(fresh.owner.accessToken, DOWNLOAD, { t: fresh.threadId, a: sentId });
    expect((await fetch(link.messageAttachmentUrl.url)).status).toBe(200);
    expect(JSON.stringify(after)).not.toContain(fresh.buyer.userId);
  });

  it("the DSAR export names a member's uploads, sent or not, and the previews their messages show", async () => {
    const fresh = await inquiry();
    const photo = await testJpeg({ width: 800, height: 600 });
    const ask = () =>
      amplify(fresh.buyer, REQUEST, {
        input: { threadId: fresh.threadId, contentType: 'image/jpeg', sizeBytes: photo.length },
      });
    const first = (await ask()).data.requestMessageAttachmentUpload as Upload;
    const pending = (await ask()).data.requestMessageAttachmentUpload as Upload;
    expect(await put(first, photo)).toBe(200);
    expect((await amplify(fresh.buyer, COMPLETE, { t: fresh.threadId, a: first.attachmentId })).errors).toBeUndefined();
    const sent = await amplify(fresh.buyer, SEND, {
      input: { threadId: fresh.threadId, body: 'look', attachmentId: first.attachmentId },
    });
    expect(sent.errors).toBeUndefined();

    const exporter = new MessagingExport(dynamo(), messagingTableName());
    const [mine] = (await exporter.section(fresh.buyer.userId)).threads as any[];
    expect(mine.attachments).toHaveLength(2);
    expect(mine.attachments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          attachmentId: first.attachmentId,
          status: 'ready',
          declaredContentType: 'image/jpeg',
          declaredBytes: photo.length,
          width: 800,
          height: 600,
          messageId: sent.data.sendMessage.messageId,
          expiresAt: null,
        }),
        expect.objectContaining({
          attachmentId: pending.attachmentId,
          status: 'pending',
          messageId: null,
          expiresAt: expect.any(String),
        }),
      ]),
    );
    const shown = { attachmentId: first.attachmentId, contentType: 'image/webp', width: 800, height: 600 };
    expect(mine.messages.find((m: any) => m.direction === 'sent' && m.type === 'asset').attachments).toEqual([shown]);
    // The other member: the message they received shows the preview; another's uploads are not theirs.
    const [theirs] = (await exporter.section(fresh.owner.userId)).threads as any[];
    expect(theirs.attachments).toEqual([]);
    expect(theirs.messages.find((m: any) => m.type === 'asset').attachments).toEqual([shown]);
    // No storage key leaves the store.
    expect(JSON.stringify([mine, theirs])).not.toMatch(/incoming\/|unsent\/|previews\//);
  });

  it('an upload URL is refused when either member blocked the thread, the caller or the recipient', async () => {
    const pair = await inquiry();
    const BLOCK = `mutation($t: ID!, $b: Boolean!) { setThreadBlocked(threadId: $t, blocked: $b) { threadId blocked } }`;
    const ask = (user: User) =>
      amplify(user, REQUEST, { input: { threadId: pair.threadId, contentType: 'image/jpeg', sizeBytes: 1000 } });
    const refusedFor = async (user: User) => {
      const answer = await ask(user);
      expect(answer.data).toBeUndefined();
      expect(answer.errors?.[0]).toMatchObject({ errorType: 'FORBIDDEN', errorInfo: { code: 'MESSAGING.BLOCKED' } });
    };
    // The owner blocks the thread: the buyer (a recipient blocked them) and the owner (their own block) get no URL.
    await gqlOk(pair.owner.accessToken, BLOCK, { t: pair.threadId, b: true });
    await refusedFor(pair.buyer);
    await refusedFor(pair.owner);
    const pendingBefore = (await attachmentItems(pair.threadId)).length;
    // Concurrent requests meet the same block; none reserves an attachment.
    await Promise.all(Array.from({ length: 4 }, () => refusedFor(pair.buyer)));
    expect((await attachmentItems(pair.threadId)).length).toBe(pendingBefore);
    // Unblocked: both may upload again; then the buyer blocks, and the owner is refused.
    await gqlOk(pair.owner.accessToken, BLOCK, { t: pair.threadId, b: false });
    expect((await ask(pair.buyer)).errors).toBeUndefined();
    expect((await ask(pair.owner)).errors).toBeUndefined();
    await gqlOk(pair.buyer.accessToken, BLOCK, { t: pair.threadId, b: true });
    await refusedFor(pair.owner);
    await refusedFor(pair.buyer);
  });

  it("a member's Amplify subscription receives a sent attachment in the message frame", async () => {
    const pair = await inquiry();
    const ON_MESSAGE = `subscription On($threadId: ID!) { onThreadMessage(threadId: $threadId) {
      messageId type body attachments { attachmentId contentType width height }
    } }`;
    const frames: any[] = [];
    const failures: unknown[] = [];
    let acknowledged!: () => void;
    const ready = new Promise<void>((resolve) => (acknowledged = resolve));
    const { Hub } = await import('aws-amplify/utils');
    const stopListening = Hub.listen('api', (capsule) => {
      const payload = capsule.payload as { event?: string; data?: { variables?: { threadId?: string } } };
      if (payload.event === 'Subscription ack' && payload.data?.variables?.threadId === pair.threadId) acknowledged();
    });
    const subscription = (
      generateClient().graphql({
        query: ON_MESSAGE,
        variables: { threadId: pair.threadId },
        authMode: 'oidc',
        authToken: pair.owner.accessToken,
      }) as unknown as {
        subscribe(observer: { next: (value: any) => void; error: (error: unknown) => void }): { unsubscribe(): void };
      }
    ).subscribe({
      next: (value) => frames.push(value.data.onThreadMessage),
      error: (error) => {
        failures.push(error);
        acknowledged();
      },
    });
    try {
      await ready;
      expect(failures).toEqual([]);
      const photo = await testJpeg({ width: 1200, height: 800, seed: 7 });
      const upload = await requestUpload(pair.buyer, 'image/jpeg', photo.length, pair.threadId);
      expect(await put(upload, photo)).toBe(200);
      const completed = await amplify(pair.buyer, COMPLETE, { t: pair.threadId, a: upload.attachmentId });
      expect(completed.errors).toBeUndefined();
      // AppSync matches a subscription's arguments against the mutation's answer: it must select threadId.
      const SEND_WITH_THREAD = `mutation($input: SendMessageInput!) {
        sendMessage(input: $input) { threadId messageId type body attachments { attachmentId contentType width height } }
      }`;
      const sent = await amplify(pair.buyer, SEND_WITH_THREAD, {
        input: { threadId: pair.threadId, body: 'Reference shot', attachmentId: upload.attachmentId },
      });
      expect(sent.errors).toBeUndefined();
      const expected = {
        messageId: sent.data.sendMessage.messageId,
        type: 'ASSET',
        body: 'Reference shot',
        attachments: [{ attachmentId: upload.attachmentId, contentType: 'image/webp', width: 1200, height: 800 }],
      };
      await eventually(async () => frames.length > 0, 10_000, 50);
      expect(frames).toEqual([expected]);
    } finally {
      subscription.unsubscribe();
      stopListening();
    }
  });

  it('the local S3 lifecycle sweep deletes unsent previews and unfinished uploads after a day; sent previews stay', async () => {
    const pair = await inquiry();
    const upload = async (send: boolean, complete = true) => {
      const photo = await testJpeg({ width: 640, height: 480, seed: send ? 11 : 12 });
      const ticket = await requestUpload(pair.buyer, 'image/jpeg', photo.length, pair.threadId);
      expect(await put(ticket, photo)).toBe(200);
      if (complete)
        expect(
          (await amplify(pair.buyer, COMPLETE, { t: pair.threadId, a: ticket.attachmentId })).errors,
        ).toBeUndefined();
      if (send)
        expect(
          (await amplify(pair.buyer, SEND, { input: { threadId: pair.threadId, attachmentId: ticket.attachmentId } }))
            .errors,
        ).toBeUndefined();
      return ticket.attachmentId;
    };
    const unsent = `unsent/${pair.threadId}/${await upload(false)}.webp`;
    const sent = `previews/${pair.threadId}/${await upload(true)}.webp`;
    const incoming = `incoming/${pair.threadId}/${await upload(false, false)}`;
    for (const key of [unsent, sent, incoming]) expect(await objectExists(key)).toBe(true);

    // The stack's job route (S3 lifecycle in AWS) runs now: nothing here is a day old yet. A bad ?now is a 400.
    const job = await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/s3-lifecycle`);
    expect(job.status).toBe(200);
    expect(Object.keys(((await job.json()) as { expired: Record<string, number> }).expired)).toEqual(
      expect.arrayContaining([`${previewsBucket()}/unsent/`, `${previewsBucket()}/incoming/`]),
    );
    expect((await fetch(`${stackInfo().endpoints.restUrl}/dev/jobs/s3-lifecycle?now=yesterday`)).status).toBe(400);
    for (const key of [unsent, sent, incoming]) expect(await objectExists(key)).toBe(true);

    // The same sweep a day and a minute later, over this thread's keys only (other test files share the
    // buckets): the never-sent preview and the never-completed upload go, the sent preview stays.
    const s3 = new S3Client({
      endpoint: stackInfo().endpoints.s3Endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const spec = messagePreviewsBucket.expirations.map((rule) => ({
      ...rule,
      prefix: `${rule.prefix}${pair.threadId}/`,
    }));
    expect(spec.map((rule) => rule.days)).toEqual([1, 1]);
    const swept = await sweepExpiredObjects({
      client: s3,
      stage: 'local',
      buckets: [{ ...messagePreviewsBucket, expirations: spec }],
      now: new Date(Date.now() + 86_400_000 + 60_000),
    });
    expect(swept.expired).toEqual({
      [`${previewsBucket()}/incoming/${pair.threadId}/`]: 1,
      // Both unsent/ copies: a send copies its preview to previews/ and leaves the unsent one to expire.
      [`${previewsBucket()}/unsent/${pair.threadId}/`]: 2,
    });
    expect(await objectExists(unsent)).toBe(false);
    expect(await objectExists(incoming)).toBe(false);
    expect(await objectExists(sent)).toBe(true);
  });
});
