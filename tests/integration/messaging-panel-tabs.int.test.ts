/**
 * Project panel tabs beyond brief and shot list (seed 004 §1.4): MOODBOARD (images sent in the
 * thread), FILES and DOCS (attachments of the thread, labelled) and EXPENSES (integer cents, one
 * currency), as versioned snapshots with the same optimistic-concurrency rule and the same contact
 * redaction as the brief. Through the real stack: an image goes through the attachment pipeline
 * (presigned PUT to s3rver, scan, sendMessage) before a tab may name it.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../lambdas/core/ids.ts';
import { publishedStudio } from '../support/booking.ts';
import { gqlAs, gqlOk } from '../support/graphql.ts';
import { testJpeg } from '../support/images.ts';
import { mintAccessToken } from '../support/tokens.ts';

type User = { userId: string; accessToken: string };

async function mintedUser(role: 'client' | 'provider'): Promise<User> {
  const userId = newId('user');
  return { userId, accessToken: await mintAccessToken({ userId, roles: [role] }) };
}

const TAB = `tab version brief shotList { title done } moodboard { attachmentId caption }
  references { attachmentId label } expenses { currency totalCents lines { description amountCents } }
  redacted updatedByUserId`;
const UPDATE = `mutation($input: UpdateThreadTabInput!) { updateThreadTab(input: $input) { ${TAB} } }`;
const PANEL = `query($t: ID!) { threadPanel(threadId: $t) { tabs { ${TAB} } } }`;

async function inquiry() {
  const [owner, buyer, stranger] = await Promise.all([
    mintedUser('provider'),
    mintedUser('client'),
    mintedUser('client'),
  ]);
  const studioId = await publishedStudio(owner.userId, { instantBook: false });
  const threadId = (
    await gqlOk(
      buyer.accessToken,
      `mutation($input: StartInquiryInput!) { startInquiry(input: $input) { thread { threadId } } }`,
      {
        input: { studioId, body: 'Moodboard coming up' },
      },
    )
  ).startInquiry.thread.threadId as string;
  return { owner, buyer, stranger, threadId };
}

/** An image through the real pipeline: presigned PUT, scan, then (optionally) sent in a message. */
async function image(user: User, threadId: string, send: boolean): Promise<string> {
  const bytes = await testJpeg();
  const upload = (
    await gqlOk(
      user.accessToken,
      `mutation($input: RequestMessageAttachmentUploadInput!) {
        requestMessageAttachmentUpload(input: $input) { attachmentId uploadUrl uploadHeaders { name value } }
      }`,
      { input: { threadId, contentType: 'image/jpeg', sizeBytes: bytes.length } },
    )
  ).requestMessageAttachmentUpload as {
    attachmentId: string;
    uploadUrl: string;
    uploadHeaders: { name: string; value: string }[];
  };
  const put = await fetch(upload.uploadUrl, {
    method: 'PUT',
    headers: Object.fromEntries(upload.uploadHeaders.map(({ name, value }) => [name, value])),
    body: bytes,
  });
  expect(put.status).toBe(200);
  const completed = await gqlOk(
    user.accessToken,
    `mutation($t: ID!, $a: ID!) { completeMessageAttachment(threadId: $t, attachmentId: $a) { status } }`,
    { t: threadId, a: upload.attachmentId },
  );
  expect(completed.completeMessageAttachment.status).toBe('READY');
  if (send)
    await gqlOk(user.accessToken, `mutation($input: SendMessageInput!) { sendMessage(input: $input) { messageId } }`, {
      input: { threadId, attachmentId: upload.attachmentId },
    });
  return upload.attachmentId;
}

describe('project panel: moodboard, files, docs and expenses tabs', () => {
  it('moodboard and files name images sent in the thread only; versions and redaction as for the brief', async () => {
    const { owner, buyer, stranger, threadId } = await inquiry();
    const sent = await image(buyer, threadId, true);
    const unsent = await image(buyer, threadId, false);

    const saved = (
      await gqlOk(buyer.accessToken, UPDATE, {
        input: {
          threadId,
          tab: 'MOODBOARD',
          expectedVersion: 0,
          moodboard: [{ attachmentId: sent, caption: 'This light. Text me on +1 415 555 0100' }],
        },
      })
    ).updateThreadTab;
    expect(saved).toMatchObject({
      tab: 'MOODBOARD',
      version: 1,
      moodboard: [{ attachmentId: sent, caption: 'This light. Text me on +1 415 555 0100' }],
      redacted: false,
    });
    // The other member sees the caption with the phone number hidden (inquiry not yet booked).
    const ownerPanel = (await gqlOk(owner.accessToken, PANEL, { t: threadId })).threadPanel.tabs as {
      tab: string;
      moodboard: { caption: string }[] | null;
      redacted: boolean;
    }[];
    expect(ownerPanel.map((tab) => tab.tab)).toEqual(['BRIEF', 'SHOTLIST', 'MOODBOARD', 'FILES', 'DOCS', 'EXPENSES']);
    const board = ownerPanel.find((tab) => tab.tab === 'MOODBOARD')!;
    expect(board.redacted).toBe(true);
    expect(board.moodboard![0]!.caption).not.toContain('555');

    // An image never sent, or one of another thread, cannot be named: a typed refusal, nothing saved.
    for (const attachmentId of [unsent, newId('attachment')]) {
      const refused = await gqlAs(owner.accessToken, UPDATE, {
        input: { threadId, tab: 'FILES', expectedVersion: 0, references: [{ attachmentId, label: 'Contract scan' }] },
      });
      expect(refused.errors?.[0]?.errorType).toBe('BAD_REQUEST');
    }
    const files = (
      await gqlOk(owner.accessToken, UPDATE, {
        input: { threadId, tab: 'FILES', expectedVersion: 0, references: [{ attachmentId: sent, label: 'Reference' }] },
      })
    ).updateThreadTab;
    expect(files).toMatchObject({ tab: 'FILES', version: 1, references: [{ attachmentId: sent, label: 'Reference' }] });
    // Content of another tab in the input is refused (each tab carries its own field only).
    const mixed = await gqlAs(owner.accessToken, UPDATE, {
      input: { threadId, tab: 'DOCS', expectedVersion: 0, brief: 'not a doc' },
    });
    expect(mixed.errors?.[0]?.errorType).toBe('BAD_REQUEST');
    // Members only.
    const intrude = await gqlAs(stranger.accessToken, UPDATE, {
      input: { threadId, tab: 'DOCS', expectedVersion: 0, references: [] },
    });
    expect(intrude.errors?.[0]?.errorType).toBe('NOT_FOUND');
  });

  it('expenses: integer cents in one currency with a total; of concurrent edits of one version exactly one is saved', async () => {
    const { owner, buyer, threadId } = await inquiry();
    const first = (
      await gqlOk(owner.accessToken, UPDATE, {
        input: {
          threadId,
          tab: 'EXPENSES',
          expectedVersion: 0,
          expenses: {
            currency: 'USD',
            lines: [
              { description: 'Backdrop paper', amountCents: 4_599 },
              { description: 'Parking', amountCents: 1_200 },
            ],
          },
        },
      })
    ).updateThreadTab;
    expect(first.expenses).toEqual({
      currency: 'USD',
      totalCents: 5_799,
      lines: [
        { description: 'Backdrop paper', amountCents: 4_599 },
        { description: 'Parking', amountCents: 1_200 },
      ],
    });
    // Not cents (GraphQL's Int refuses it before any resolver), negative, or not a currency code: refused.
    const fraction = await gqlAs(owner.accessToken, UPDATE, {
      input: {
        threadId,
        tab: 'EXPENSES',
        expectedVersion: 1,
        expenses: { currency: 'USD', lines: [{ description: 'Half a cent', amountCents: 10.5 }] },
      },
    });
    expect(fraction.errors?.[0]?.message).toMatch(/Int/);
    for (const expenses of [
      { currency: 'USD', lines: [{ description: 'Refund', amountCents: -100 }] },
      { currency: 'dollars', lines: [] },
    ]) {
      const refused = await gqlAs(owner.accessToken, UPDATE, {
        input: { threadId, tab: 'EXPENSES', expectedVersion: 1, expenses },
      });
      expect(refused.errors?.[0]?.errorType).toBe('BAD_REQUEST');
    }

    // Ten concurrent edits of version 1 by both members: exactly one lands as version 2.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gqlAs((i % 2 ? owner : buyer).accessToken, UPDATE, {
          input: {
            threadId,
            tab: 'EXPENSES',
            expectedVersion: 1,
            expenses: { currency: 'EUR', lines: [{ description: `Edit ${i}`, amountCents: 100 * i }] },
          },
        }),
      ),
    );
    const savedEdits = answers.filter((answer) => answer.data?.updateThreadTab);
    expect(savedEdits).toHaveLength(1);
    for (const answer of answers.filter((a) => !a.data?.updateThreadTab))
      expect(answer.errors?.[0]).toMatchObject({ errorType: 'CONFLICT' });
    const stored = (await gqlOk(buyer.accessToken, PANEL, { t: threadId })).threadPanel.tabs.find(
      (tab: { tab: string }) => tab.tab === 'EXPENSES',
    );
    expect(stored).toMatchObject({ version: 2, expenses: savedEdits[0]!.data!.updateThreadTab.expenses });
  });
});
