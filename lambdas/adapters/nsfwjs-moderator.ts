/**
 * ImageModerator for the local stack: nsfwjs (MobileNetV2, bundled in the package) on the
 * TensorFlow.js wasm backend. The model loads once per process (~1 s) and classifies a 224 px
 * image in tens to hundreds of milliseconds.
 *
 * LOCAL TEST HOOK (never in AWS: media.config.ts refuses it outside local/test stages).
 * No image that nsfwjs reliably classifies as explicit can ship in a repository, yet the
 * "flagged media never becomes public" guarantee must be tested end to end through the real
 * pipeline (real upload, real S3, real worker). With `testMarker: true`, an image whose top-left
 * 64×64 px carry the marker pattern — a 4×4 checkerboard of 16 px cells, magenta (255,0,255)
 * where (row+col) is even and green (0,255,0) elsewhere — is classified band 2 with the label
 * `test-marker`. Every other image still goes through nsfwjs. Tests draw the marker with
 * `drawModerationTestMarker` (tests/support/images.ts uses it on images of at most 1024 px, so
 * the moderation JPEG keeps the marker at its original scale).
 */
import type * as TfModule from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { ImageModerator, ModerationResult } from '../core/ports.ts';
import { bandFromNsfwjs } from '../core/nsfw-bands.ts';

export const TEST_MARKER = { cell: 16, cells: 4, even: [255, 0, 255], odd: [0, 255, 0], tolerance: 80 } as const;

/** Whether the image's top-left corner carries the test marker (tolerant of JPEG artefacts). */
export async function hasModerationTestMarker(image: Buffer): Promise<boolean> {
  const size = TEST_MARKER.cell * TEST_MARKER.cells;
  const meta = await sharp(image).metadata();
  if ((meta.width ?? 0) < size || (meta.height ?? 0) < size) return false;
  const { data, info } = await sharp(image)
    .extract({ left: 0, top: 0, width: size, height: size })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  for (let row = 0; row < TEST_MARKER.cells; row++) {
    for (let col = 0; col < TEST_MARKER.cells; col++) {
      const expected = (row + col) % 2 === 0 ? TEST_MARKER.even : TEST_MARKER.odd;
      const x = col * TEST_MARKER.cell + TEST_MARKER.cell / 2;
      const y = row * TEST_MARKER.cell + TEST_MARKER.cell / 2;
      const offset = (y * info.width + x) * info.channels;
      for (let channel = 0; channel < 3; channel++) {
        if (Math.abs(data[offset + channel]! - expected[channel]!) > TEST_MARKER.tolerance) return false;
      }
    }
  }
  return true;
}

/** Paints the marker into the top-left corner of a raw RGB(A) buffer (for tests and benches). */
export function drawModerationTestMarker(raw: Buffer, width: number, channels: number): void {
  const size = TEST_MARKER.cell * TEST_MARKER.cells;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const colour =
        (Math.floor(y / TEST_MARKER.cell) + Math.floor(x / TEST_MARKER.cell)) % 2 === 0
          ? TEST_MARKER.even
          : TEST_MARKER.odd;
      const offset = (y * width + x) * channels;
      raw[offset] = colour[0];
      raw[offset + 1] = colour[1];
      raw[offset + 2] = colour[2];
    }
  }
}

type NsfwModel = { classify(image: unknown, topk?: number): Promise<{ className: string; probability: number }[]> };
type Tf = typeof TfModule;

let loading: Promise<{ tf: Tf; model: NsfwModel }> | undefined;

/** One model per process; tfjs and nsfwjs are imported lazily so AWS bundles never need them. */
function loadModel(): Promise<{ tf: Tf; model: NsfwModel }> {
  loading ??= (async () => {
    // tfjs re-registers its kernels when nsfwjs pulls it in again and says so on console.warn,
    // hundreds of lines per process; that noise (only that) is dropped while loading.
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && /already registered|Hi there|platform .* has already been set/i.test(args[0]))
        return;
      warn(...args);
    };
    try {
      const tf = await import('@tensorflow/tfjs');
      await import('@tensorflow/tfjs-backend-wasm');
      await tf.setBackend('wasm');
      await tf.ready();
      const nsfwjs = await import('nsfwjs');
      const model = (await nsfwjs.load('MobileNetV2')) as unknown as NsfwModel;
      return { tf, model };
    } finally {
      console.warn = warn;
    }
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

export class NsfwjsModerator implements ImageModerator {
  constructor(private readonly options: { testMarker: boolean }) {}

  /** Loads the model ahead of the first image (the local stack warms it at start). */
  async warm(): Promise<void> {
    await loadModel();
  }

  async classify(jpeg: Buffer): Promise<ModerationResult> {
    if (this.options.testMarker && (await hasModerationTestMarker(jpeg)))
      return { band: 2, labels: ['test-marker'], provider: 'nsfwjs+test-marker' };
    const { tf, model } = await loadModel();
    const { data, info } = await sharp(jpeg)
      .resize(224, 224, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const tensor = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    try {
      const predictions = await model.classify(tensor, 5);
      return {
        band: bandFromNsfwjs(predictions),
        labels: predictions.map((item) => `${item.className}:${item.probability.toFixed(3)}`),
        provider: 'nsfwjs',
      };
    } finally {
      tensor.dispose();
    }
  }
}
