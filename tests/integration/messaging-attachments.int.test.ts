/**
 * Image attachments in threads (#13, NTB-MSG-002) end to end with the web app's client (AWS Amplify
 * v6): presigned PUT to the local S3, completion through the scan (sniffed type, metadata stripped,
 * the moderation classifier), a message that shows the preview, download URLs for members only,
 * and refusals for unsafe, mistyped or mis-sized files.
 */
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { publishedStudio } from '../support/booking.ts';
import { gqlAs, gqlOk } from '../support/graphql.ts';
import { testJpeg, testPng } from '../support/images.ts';
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

async function requestUpload(user: User, contentType: string, sizeBytes: number): Promise<Upload> {
  const answer = await amplify(user, REQUEST, { input: { threadId, contentType, sizeBytes } });
  expect(answer.errors).toBeUndefined();
  return answer.data.requestMessageAttachmentUpload as Upload;
}

beforeAll(async () => {
  [owner, buyer, stranger] = await Promise.all([mintedUser('provider'), mintedUser('client'), mintedUser('client')]);
  const studioId = await publishedStudio(owner.userId, { instantBook: false });
  threadId = (
    await gqlOk(
      buyer.accessToken,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
      { input: { studioId, body: 'Here is the mood I have in mind' } },
    )
  ).startInquiry.thread.threadId as string;
  configureAmplify(() => buyer.accessToken);
}, 120_000);

afterAll(() => {
  Amplify.configure({});
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
});
