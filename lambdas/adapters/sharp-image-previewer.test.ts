import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_PIXELS, SharpImagePreviewer } from './sharp-image-previewer.ts';

const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#777' } })
    .png({ compressionLevel: 1 })
    .toBuffer();

describe('SharpImagePreviewer', () => {
  it('previews a phone-sized photo at most 1600 px a side', async () => {
    const preview = await new SharpImagePreviewer().preview(await png(4000, 3000));
    expect(preview).toMatchObject({ width: 4000, height: 3000, previewWidth: 1600, previewHeight: 1200 });
  });

  it('refuses an image beyond the chat pixel budget before decoding it', async () => {
    // 7,100 x 7,100 = 50.4 MP: over the budget, well under the media pipeline's 100 MP.
    expect(7_100 * 7_100).toBeGreaterThan(MAX_INPUT_PIXELS);
    await expect(new SharpImagePreviewer().preview(await png(7_100, 7_100))).rejects.toThrow(/pixel limit/i);
  });
});
