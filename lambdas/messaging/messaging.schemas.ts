/** Inputs of the messaging API: the only definition of each (z.infer gives the types). */
import * as z from 'zod';
import { idSchema } from '../core/ids.ts';
import { safeText } from '../core/text.ts';

export const MESSAGE_BODY_MAX = 4_000;
export const PAGE_MAX = 100;

const body = safeText()
  .trim()
  .min(1, 'must not be empty')
  .max(MESSAGE_BODY_MAX, `must be at most ${MESSAGE_BODY_MAX} characters`);
/** A caller-chosen token that makes a send idempotent (a retry returns the first message). */
const clientToken = safeText()
  .trim()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, - or _');
const cursor = safeText().max(1_024);
const limit = z.number().int().min(1).max(PAGE_MAX);

export const threadIdSchema = idSchema('thread');

export const startInquiryArgs = z.object({
  input: z
    .object({
      profileId: idSchema('profile').nullish(),
      studioId: idSchema('studio').nullish(),
      body,
      clientToken: clientToken.nullish(),
    })
    .refine((input) => Boolean(input.profileId) !== Boolean(input.studioId), {
      message: 'exactly one of profileId and studioId',
      path: ['profileId'],
    }),
});

export const sendMessageArgs = z.object({
  input: z
    .object({
      threadId: threadIdSchema,
      body: body.nullish(),
      clientToken: clientToken.nullish(),
      /** An attachment the author uploaded into this thread and completed (requestMessageAttachmentUpload). */
      attachmentId: idSchema('attachment').nullish(),
    })
    .refine((input) => Boolean(input.body) || Boolean(input.attachmentId), {
      message: 'a message needs a body or an attachment',
      path: ['body'],
    }),
});

/** Images only (the media pipeline's allow-list); 20 MB, below media's 50 MB: a thread is not a portfolio. */
export const ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;
export const requestAttachmentUploadArgs = z.object({
  input: z.object({
    threadId: threadIdSchema,
    contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
    sizeBytes: z.number().int().min(1).max(ATTACHMENT_MAX_BYTES, `must be at most ${ATTACHMENT_MAX_BYTES} bytes`),
  }),
});
export const attachmentArgs = z.object({ threadId: threadIdSchema, attachmentId: idSchema('attachment') });
export type RequestAttachmentUploadInput = z.infer<typeof requestAttachmentUploadArgs>['input'];

export const threadArgs = z.object({ threadId: threadIdSchema });

export const threadMessagesArgs = z.object({
  threadId: threadIdSchema,
  limit: limit.nullish(),
  cursor: cursor.nullish(),
});

export const inboxArgs = z.object({
  archived: z.boolean().nullish(),
  limit: limit.nullish(),
  cursor: cursor.nullish(),
});

export const searchInboxArgs = z.object({
  query: safeText().trim().min(2, 'must be at least 2 characters').max(100, 'must be at most 100 characters'),
  archived: z.boolean().nullish(),
  limit: limit.nullish(),
  cursor: cursor.nullish(),
});

export const markReadArgs = z.object({ threadId: threadIdSchema, upToMessageId: idSchema('message').nullish() });
export const setMutedArgs = z.object({ threadId: threadIdSchema, muted: z.boolean() });
export const setArchivedArgs = z.object({ threadId: threadIdSchema, archived: z.boolean() });
export const setBlockedArgs = z.object({ threadId: threadIdSchema, blocked: z.boolean() });
export const reportThreadArgs = z.object({
  input: z.object({
    threadId: threadIdSchema,
    messageId: idSchema('message').nullish(),
    reason: z.enum(['SPAM', 'HARASSMENT', 'OFF_PLATFORM_PAYMENT', 'INAPPROPRIATE_CONTENT', 'OTHER']),
    note: safeText().trim().max(1_000).nullish(),
  }),
});
export const setTypingArgs = z.object({ threadId: threadIdSchema, typing: z.boolean() });
export const subscriptionArgs = z.object({ threadId: threadIdSchema });
export const publishThreadEventArgs = z.object({ threadId: threadIdSchema, messageId: idSchema('message') });

export const TAB_BRIEF_MAX = 8_000;
export const SHOT_LIST_MAX = 200;
/** Moodboard images and file/doc references per tab. */
export const TAB_REFERENCES_MAX = 50;
export const EXPENSE_LINES_MAX = 100;
/** Per line; with EXPENSE_LINES_MAX the total stays inside GraphQL's 32-bit Int. */
export const EXPENSE_LINE_MAX_CENTS = 10_000_000;

const TAB_CONTENT = {
  BRIEF: 'brief',
  SHOTLIST: 'shotList',
  MOODBOARD: 'moodboard',
  FILES: 'references',
  DOCS: 'references',
  EXPENSES: 'expenses',
} as const;
const tabText = (max: number) => safeText().trim().max(max, `must be at most ${max} characters`);

export const updateThreadTabArgs = z.object({
  input: z
    .object({
      threadId: threadIdSchema,
      tab: z.enum(['BRIEF', 'SHOTLIST', 'MOODBOARD', 'FILES', 'DOCS', 'EXPENSES']),
      expectedVersion: z.number().int().min(0).max(1_000_000),
      brief: tabText(TAB_BRIEF_MAX).nullish(),
      shotList: z
        .array(z.object({ title: safeText().trim().min(1).max(200), done: z.boolean() }))
        .max(SHOT_LIST_MAX, `at most ${SHOT_LIST_MAX} shots`)
        .nullish(),
      moodboard: z
        .array(z.object({ attachmentId: idSchema('attachment'), caption: tabText(300).nullish() }))
        .max(TAB_REFERENCES_MAX, `at most ${TAB_REFERENCES_MAX} images`)
        .nullish(),
      references: z
        .array(z.object({ attachmentId: idSchema('attachment'), label: safeText().trim().min(1).max(200) }))
        .max(TAB_REFERENCES_MAX, `at most ${TAB_REFERENCES_MAX} references`)
        .nullish(),
      expenses: z
        .object({
          // ISO 4217, one currency per tab (no conversion: the lines add up as they are).
          currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
          lines: z
            .array(
              z.object({
                description: safeText().trim().min(1).max(200),
                amountCents: z.number().int().min(0).max(EXPENSE_LINE_MAX_CENTS),
              }),
            )
            .max(EXPENSE_LINES_MAX, `at most ${EXPENSE_LINES_MAX} lines`),
        })
        .nullish(),
    })
    // A tab's input carries its own content field only (the others stay empty).
    .refine(
      (input) =>
        (['brief', 'shotList', 'moodboard', 'references', 'expenses'] as const).every(
          (key) => key === TAB_CONTENT[input.tab] || input[key] == null,
        ),
      {
        message:
          'brief goes with BRIEF, shotList with SHOTLIST, moodboard with MOODBOARD, references with FILES and DOCS, expenses with EXPENSES',
        path: ['tab'],
      },
    ),
});

export type UpdateThreadTabInput = z.infer<typeof updateThreadTabArgs>['input'];
export type StartInquiryInput = z.infer<typeof startInquiryArgs>['input'];
export type SendMessageInput = z.infer<typeof sendMessageArgs>['input'];
export type ReportThreadInput = z.infer<typeof reportThreadArgs>['input'];
