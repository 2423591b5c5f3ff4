/**
 * The rules an upload must satisfy, in one place: the type allow-list, the 50 MB cap, the S3 POST
 * policy that makes S3 itself refuse anything else, and the byte sniffing that re-checks the real
 * object at upload-complete (a policy only binds what the browser *declares*; the bytes may lie).
 */
import { fileTypeFromBuffer } from 'file-type';
import * as z from 'zod';
import type { PostPolicyCondition } from '../core/ports.ts';

export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** In-flight (reserved, not completed) uploads per user. */
export const MAX_CONCURRENT_UPLOADS = 10;
export const UPLOAD_URL_TTL_SECONDS = 15 * 60;
/** Enough bytes for every signature in the allow-list. */
export const SNIFF_BYTES = 4_100;

/** sharp decodes all three with its prebuilt libvips; HEIC is not in the prebuilt build, so not here. */
export const ALLOWED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type AllowedImageType = (typeof ALLOWED_IMAGE_TYPES)[number];

export const allowedImageType = z.enum(ALLOWED_IMAGE_TYPES);

/** Fractions of the orientation-corrected image, so the box survives EXIF rotation and resizing. */
export const cropBox = z
  .object({
    x: z.number().min(0).max(1),
    y: z.number().min(0).max(1),
    width: z.number().gt(0).max(1),
    height: z.number().gt(0).max(1),
  })
  .refine(
    (box) => box.x + box.width <= 1.000001 && box.y + box.height <= 1.000001,
    'crop box must lie inside the image',
  );
export type CropBox = z.infer<typeof cropBox>;

export function incomingKey(userId: string, mediaId: string): string {
  return `incoming/${userId}/${mediaId}`;
}

/**
 * The POST policy: exact key, exact declared Content-Type (which must be on the allow-list) and
 * a size range capped at 50 MB. S3 rejects a form that breaks any condition before storing a byte.
 */
export function uploadPolicy(input: { key: string; contentType: AllowedImageType }): {
  conditions: PostPolicyCondition[];
  fields: Record<string, string>;
} {
  return {
    conditions: [
      ['content-length-range', 1, MAX_UPLOAD_BYTES],
      ['eq', '$Content-Type', input.contentType],
      ['eq', '$key', input.key],
    ],
    fields: { 'Content-Type': input.contentType },
  };
}

/** The real type from the first bytes, or null when it is not an allowed image. */
export async function sniffImageType(prefix: Uint8Array): Promise<AllowedImageType | null> {
  const detected = await fileTypeFromBuffer(prefix);
  const mime = detected?.mime;
  return (ALLOWED_IMAGE_TYPES as readonly string[]).includes(mime ?? '') ? (mime as AllowedImageType) : null;
}
