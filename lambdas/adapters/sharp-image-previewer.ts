/**
 * ImagePreviewer on sharp, with the media pipeline's rules (lambdas/media/image-pipeline.ts): one
 * decode with EXIF orientation applied, no metadata written back (GPS gone), a decompression-bomb
 * guard, and the classifier's JPEG of the whole image at most 1024 px.
 */
import sharp from 'sharp';
import type { ImagePreviewer } from '../core/ports.ts';

/**
 * A chat preview is at most 1600 px a side; 50 MP still takes a 48/50 MP phone photo whole, and
 * halves the worst decode (raw RGBA ~200 MB) of the media pipeline's 100 MP, which every completion
 * (rate-limited per user) may ask of this Lambda.
 */
export const MAX_INPUT_PIXELS = 50_000_000;
const PREVIEW_MAX_SIDE = 1600;
const MODERATION_MAX_SIDE = 1024;

export class SharpImagePreviewer implements ImagePreviewer {
  async preview(input: Buffer) {
    const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
      .rotate()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const decoded = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
    const preview = await decoded()
      .resize({ width: PREVIEW_MAX_SIDE, height: PREVIEW_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    const moderationJpeg = await decoded()
      .resize({ width: MODERATION_MAX_SIDE, height: MODERATION_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 90 })
      .toBuffer();
    return {
      width: info.width,
      height: info.height,
      webp: preview.data,
      previewWidth: preview.info.width,
      previewHeight: preview.info.height,
      moderationJpeg,
    };
  }
}
