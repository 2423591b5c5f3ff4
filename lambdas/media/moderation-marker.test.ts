/** The local moderator's test marker (adapters/nsfwjs-moderator.ts) survives media's real pipeline; here, because adapters import no domain. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { NsfwjsModerator, drawModerationTestMarker, hasModerationTestMarker } from '../adapters/nsfwjs-moderator.ts';
import { processImage } from './image-pipeline.ts';

async function gradientJpeg(marker: boolean): Promise<Buffer> {
  const width = 320;
  const height = 240;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 3) {
    raw[i] = (i / 3) % 256;
    raw[i + 1] = 90;
    raw[i + 2] = 160;
  }
  if (marker) drawModerationTestMarker(raw, width, 3);
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

describe('the local test marker (documented test hook)', () => {
  it('is found after the pipeline re-encodes the image, and only where drawn', async () => {
    const marked = await processImage(await gradientJpeg(true), 'image/jpeg', null);
    const plain = await processImage(await gradientJpeg(false), 'image/jpeg', null);
    expect(await hasModerationTestMarker(marked.moderationJpeg)).toBe(true);
    expect(await hasModerationTestMarker(plain.moderationJpeg)).toBe(false);
  });

  it('flags marked images only when the hook is on; nsfwjs judges everything else', async () => {
    const marked = (await processImage(await gradientJpeg(true), 'image/jpeg', null)).moderationJpeg;
    expect(await new NsfwjsModerator({ testMarker: true }).classify(marked)).toEqual({
      band: 2,
      labels: ['test-marker'],
      provider: 'nsfwjs+test-marker',
    });
    const verdict = await new NsfwjsModerator({ testMarker: false }).classify(marked);
    expect(verdict.provider).toBe('nsfwjs');
    expect(verdict.band).toBe(0);
    expect(verdict.labels).toHaveLength(5);
  });
});
