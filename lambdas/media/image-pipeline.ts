/**
 * Image processing with sharp: one decode (EXIF orientation applied), a metadata-free re-encoded
 * original (sharp writes no EXIF/GPS/XMP unless asked, and we never ask), the user's crop box,
 * standard WebP sizes, and a small JPEG for the moderation classifier.
 */
import sharp, { type Sharp } from 'sharp';
import type { AllowedImageType, CropBox } from './media-policy.ts';

/** Standard sizes (long side, px). `square` is a centre-cropped thumbnail for grids. */
export const VARIANT_SPECS = [
  { name: 'square', width: 320, height: 320, fit: 'cover' },
  { name: 'small', width: 480, height: 480, fit: 'inside' },
  { name: 'medium', width: 960, height: 960, fit: 'inside' },
  { name: 'large', width: 1600, height: 1600, fit: 'inside' },
] as const;

export const MODERATION_MAX_SIDE = 1024;
/** Decompression-bomb guard: ~100 megapixels. */
const MAX_INPUT_PIXELS = 100_000_000;

export interface ImageVariantOutput {
  readonly name: string;
  readonly body: Buffer;
  readonly width: number;
  readonly height: number;
}

export interface ProcessedImage {
  /** The original, re-encoded without any metadata (private bucket only). */
  readonly original: Buffer;
  readonly originalContentType: AllowedImageType;
  readonly width: number;
  readonly height: number;
  readonly variants: readonly ImageVariantOutput[];
  /** JPEG ≤ 1024 px of the whole (uncropped) image: the classifier judges everything we store. */
  readonly moderationJpeg: Buffer;
}

export function cropToPixels(
  crop: CropBox,
  width: number,
  height: number,
): { left: number; top: number; width: number; height: number } {
  const left = Math.min(width - 1, Math.max(0, Math.round(crop.x * width)));
  const top = Math.min(height - 1, Math.max(0, Math.round(crop.y * height)));
  return {
    left,
    top,
    width: Math.max(1, Math.min(width - left, Math.round(crop.width * width))),
    height: Math.max(1, Math.min(height - top, Math.round(crop.height * height))),
  };
}

export async function processImage(
  input: Buffer,
  type: AllowedImageType,
  crop: CropBox | null,
): Promise<ProcessedImage> {
  const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
    .rotate()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  const decoded = () => sharp(data, raw);

  const encoders: Record<AllowedImageType, (image: Sharp) => Sharp> = {
    'image/jpeg': (image) => image.jpeg({ quality: 92, mozjpeg: true }),
    'image/png': (image) => image.png({ compressionLevel: 8 }),
    'image/webp': (image) => image.webp({ quality: 92 }),
  };
  const original = await encoders[type](decoded()).toBuffer();

  const box = crop ? cropToPixels(crop, info.width, info.height) : null;
  const cropped = async () =>
    box
      ? sharp(await decoded().extract(box).raw().toBuffer(), {
          raw: { width: box.width, height: box.height, channels: info.channels },
        })
      : decoded();

  const variants: ImageVariantOutput[] = [];
  for (const spec of VARIANT_SPECS) {
    const result = await (
      await cropped()
    )
      .resize({ width: spec.width, height: spec.height, fit: spec.fit, withoutEnlargement: spec.fit === 'inside' })
      .webp({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    variants.push({ name: spec.name, body: result.data, width: result.info.width, height: result.info.height });
  }

  const moderationJpeg = await decoded()
    .resize({ width: MODERATION_MAX_SIDE, height: MODERATION_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 90 })
    .toBuffer();

  return { original, originalContentType: type, width: info.width, height: info.height, variants, moderationJpeg };
}
