import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cropToPixels, processImage } from './image-pipeline.ts';

async function jpegWithGps(width: number, height: number, orientation?: number): Promise<Buffer> {
  let image = sharp({ create: { width, height, channels: 3, background: { r: 120, g: 80, b: 200 } } }).withExif({
    IFD0: { Make: 'Cam', ...(orientation ? { Orientation: String(orientation) } : {}) },
    IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 44/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '73/1 59/1 0/1' },
  });
  if (orientation) image = image.withMetadata({ orientation });
  return image.jpeg().toBuffer();
}

describe('processImage', () => {
  it('strips EXIF (GPS included) from the original and every variant', async () => {
    const input = await jpegWithGps(800, 600);
    expect((await sharp(input).metadata()).exif).toBeDefined();
    const out = await processImage(input, 'image/jpeg', null);
    expect((await sharp(out.original).metadata()).exif).toBeUndefined();
    for (const variant of out.variants) {
      const meta = await sharp(variant.body).metadata();
      expect(meta.format).toBe('webp');
      expect(meta.exif).toBeUndefined();
    }
    expect((await sharp(out.moderationJpeg).metadata()).exif).toBeUndefined();
  });

  it('applies EXIF orientation before cropping (a rotated photo is cropped as the user saw it)', async () => {
    const input = await jpegWithGps(800, 600, 6); // stored landscape, displayed portrait (600×800)
    const out = await processImage(input, 'image/jpeg', { x: 0, y: 0, width: 1, height: 0.5 });
    expect([out.width, out.height]).toEqual([600, 800]);
    const medium = out.variants.find((variant) => variant.name === 'medium')!;
    expect([medium.width, medium.height]).toEqual([600, 400]);
  });

  it('makes the standard sizes from the crop box without enlarging', async () => {
    const input = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#345' } })
      .png()
      .toBuffer();
    const out = await processImage(input, 'image/png', { x: 0.25, y: 0, width: 0.5, height: 1 });
    const sizes = Object.fromEntries(out.variants.map((variant) => [variant.name, [variant.width, variant.height]]));
    expect(sizes).toEqual({ square: [320, 320], small: [360, 480], medium: [720, 960], large: [1200, 1600] });
    expect(
      Math.max(
        ...(await sharp(out.moderationJpeg)
          .metadata()
          .then((meta) => [meta.width, meta.height])),
      ),
    ).toBe(1024);
    expect((await sharp(out.original).metadata()).format).toBe('png');
  });

  it('keeps crop boxes inside the image', () => {
    expect(cropToPixels({ x: 0.9, y: 0.9, width: 0.1, height: 0.1 }, 101, 99)).toEqual({
      left: 91,
      top: 89,
      width: 10,
      height: 10,
    });
    expect(cropToPixels({ x: 0, y: 0, width: 1, height: 1 }, 10, 10)).toEqual({
      left: 0,
      top: 0,
      width: 10,
      height: 10,
    });
  });

  it('rejects a corrupt image', async () => {
    const jpeg = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer();
    await expect(processImage(jpeg.subarray(0, 200), 'image/jpeg', null)).rejects.toThrow();
  });
});
