/** Inputs of the realtime fields beyond messages (thread-events.service.ts): the only definition of each. */
import * as z from 'zod';
import { idSchema } from '../core/ids.ts';
import { threadIdSchema } from './messaging.schemas.ts';

export const setPresenceArgs = z.object({ threadId: threadIdSchema, status: z.enum(['ONLINE', 'AWAY', 'OFFLINE']) });
export const publishReadReceiptArgs = z.object({ threadId: threadIdSchema, userId: idSchema('user') });
export const publishPanelEventArgs = z
  .object({
    threadId: threadIdSchema,
    tab: z.enum(['BRIEF', 'SHOTLIST', 'MOODBOARD', 'FILES', 'DOCS', 'EXPENSES']).nullish(),
    messageId: idSchema('message').nullish(),
  })
  .refine((args) => Boolean(args.tab) !== Boolean(args.messageId), {
    message: 'exactly one of tab and messageId',
    path: ['tab'],
  });
