/** Test images made with sharp: photos-ish gradients, EXIF/GPS-tagged JPEGs, the moderation test marker. */
import sharp from 'sharp';
import { drawModerationTestMarker } from '../../lambdas/adapters/nsfwjs-moderator.ts';

/** A deterministic RGB gradient (not a flat colour, so encoders and the classifier see structure). */
function gradient(width: number, height: number, seed = 0): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      raw[offset] = (x * 255) / width;
      raw[offset + 1] = (y * 255) / height;
      raw[offset + 2] = (seed * 37 + x + y) % 256;
    }
  }
  return raw;
}

export async function testJpeg(
  options: { width?: number; height?: number; seed?: number; gps?: boolean; marker?: boolean } = {},
): Promise<Buffer> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const raw = gradient(width, height, options.seed);
  if (options.marker) drawModerationTestMarker(raw, width, 3);
  let image = sharp(raw, { raw: { width, height, channels: 3 } });
  if (options.gps) {
    image = image.withExif({
      IFD0: { Make: 'RastUpTestCam', Model: 'T1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 44/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '73/1 59/1 0/1' },
    });
  }
  return image.jpeg({ quality: 92 }).toBuffer();
}

export async function testPng(options: { width?: number; height?: number; marker?: boolean } = {}): Promise<Buffer> {
  const width = options.width ?? 400;
  const height = options.height ?? 300;
  const raw = gradient(width, height, 3);
  if (options.marker) drawModerationTestMarker(raw, width, 3);
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
