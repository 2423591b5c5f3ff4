/** Inputs of the deliverables API (the only definition of each; z.infer gives the types). */
import * as z from 'zod';
import { idSchema } from '../core/ids.ts';
import { safeText } from '../core/text.ts';
import { threadIdSchema } from './messaging.schemas.ts';

/**
 * Per file. The checksum is computed by reading the stored object whole in the Lambda (2 GB of
 * memory), so files are bounded well below that; larger files need a streamed hash (not built).
 */
export const DELIVERABLE_MAX_BYTES = 100 * 1024 * 1024;
export const DELIVERABLE_MAX_FILES = 20;

const idempotencyKey = safeText()
  .trim()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 letters, digits, - or _');
const note = safeText().trim().max(2_000).nullish();

export const requestDeliverableUploadArgs = z.object({
  input: z
    .object({
      threadId: threadIdSchema,
      // A display name, not a path: no slashes or control characters.
      name: safeText()
        .trim()
        .min(1)
        .max(200)
        .regex(/^[^/\\]+$/, 'must not contain slashes'),
      contentType: safeText()
        .trim()
        .toLowerCase()
        .regex(/^[a-z]+\/[a-z0-9][a-z0-9.+-]{0,100}$/, 'must be a MIME type'),
      sizeBytes: z.number().int().min(1).max(DELIVERABLE_MAX_BYTES, `must be at most ${DELIVERABLE_MAX_BYTES} bytes`),
      sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
        .transform((value) => value.toLowerCase()),
    })
    .strict(),
});
export type RequestDeliverableUploadInput = z.infer<typeof requestDeliverableUploadArgs>['input'];

export const postDeliverablesArgs = z.object({
  input: z
    .object({
      threadId: threadIdSchema,
      idempotencyKey,
      uploadIds: z
        .array(idSchema('deliverableUpload'))
        .min(1)
        .max(DELIVERABLE_MAX_FILES)
        .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a file'),
      note,
    })
    .strict(),
});
export type PostDeliverablesInput = z.infer<typeof postDeliverablesArgs>['input'];

export const decideDeliverablesArgs = z.object({
  input: z
    .object({
      threadId: threadIdSchema,
      setId: idSchema('deliverableSet'),
      decision: z.enum(['ACCEPT', 'REQUEST_CHANGES']),
      idempotencyKey,
      note,
    })
    .strict(),
});
export type DecideDeliverablesInput = z.infer<typeof decideDeliverablesArgs>['input'];

export const threadDeliverablesArgs = z.object({ threadId: threadIdSchema });

export const deliverableFileUrlArgs = z.object({
  threadId: threadIdSchema,
  setId: idSchema('deliverableSet'),
  position: z
    .number()
    .int()
    .min(0)
    .max(DELIVERABLE_MAX_FILES - 1),
});
