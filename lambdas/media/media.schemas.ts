import * as z from 'zod';
import { safeText } from '../core/text.ts';
import { idSchema } from '../core/ids.ts';
import { cropBox, MAX_UPLOAD_BYTES } from './media-policy.ts';
import { MEDIA_OWNER_TYPES } from './media.repository.ts';

export const mediaIdArgs = z.object({ id: idSchema('media') });

export const requestUploadArgs = z.object({
  input: z.object({
    ownerType: z.enum(MEDIA_OWNER_TYPES),
    ownerId: safeText().min(4).max(40),
    // Checked against the allow-list in the service, so the refusal is a typed UNSUPPORTED_MEDIA_TYPE.
    contentType: safeText().min(1).max(100),
    // Checked against the cap in the service (PAYLOAD_TOO_LARGE), not here.
    sizeBytes: z.number().int().positive(),
    crop: cropBox.nullish(),
    alt: safeText().trim().max(300).nullish(),
  }),
});
export type RequestUploadInput = z.infer<typeof requestUploadArgs>['input'];

export const reorderArgs = z.object({
  input: z.object({
    ownerType: z.enum(MEDIA_OWNER_TYPES),
    ownerId: safeText().min(4).max(40),
    mediaIds: z.array(idSchema('media')).min(1).max(200),
  }),
});
export type ReorderInput = z.infer<typeof reorderArgs>['input'];

export const decideModerationArgs = z.object({
  input: z.object({
    mediaId: idSchema('media'),
    decision: z.enum(['APPROVE', 'REJECT']),
    reason: safeText().trim().max(500).nullish(),
  }),
});
export type DecideModerationInput = z.infer<typeof decideModerationArgs>['input'];

export { MAX_UPLOAD_BYTES };
