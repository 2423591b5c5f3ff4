/**
 * `npm run bench:media`: the moderation worker on the local stack (s3rver + PostgreSQL + nsfwjs on
 * wasm): per image, the time to decode/strip/crop/make the WebP variants and the time to classify,
 * p50/p95 over BENCH_IMAGES photos-like JPEGs (default 40, 1600×1200). The model is warmed first
 * (its one-off load time is printed separately), as a warm Lambda container would be.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { newDomainEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { withBenchStack } from './harness.ts';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 40);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

async function photo(seed: number): Promise<Buffer> {
  const width = 1600;
  const height = 1200;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      raw[offset] = (x + seed * 13) % 256;
      raw[offset + 1] = (y * 2 + seed) % 256;
      raw[offset + 2] = ((x ^ y) + seed * 7) % 256;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 88 })
    .toBuffer();
}

await withBenchStack(async (stack) => {
  const { mediaWorker } = await import('../../lambdas/media/media-worker.handler.ts');
  const worker = await mediaWorker();
  const s3 = new S3Client({
    endpoint: stack.endpoints.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const userId = newId('user');
  const profileId = newId('profile');
  await stack.db.query(`INSERT INTO service_profiles (id, owner_user_id, role, slug) VALUES ($1, $2, 'MODEL', $3)`, [
    profileId,
    userId,
    `bench-${profileId.slice(-8).toLowerCase()}`,
  ]);

  const loadStarted = performance.now();
  const { NsfwjsModerator } = await import('../../lambdas/adapters/nsfwjs-moderator.ts');
  await new NsfwjsModerator({ testMarker: false }).warm();
  const modelLoadMs = performance.now() - loadStarted;

  const variants: number[] = [];
  const moderation: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < IMAGES + 2; i++) {
    const mediaId = newId('media');
    const key = `incoming/${userId}/${mediaId}`;
    const body = await photo(i);
    await s3.send(
      new PutObjectCommand({ Bucket: 'rastup-local-media-originals', Key: key, Body: body, ContentType: 'image/jpeg' }),
    );
    await stack.db.query(
      `INSERT INTO media (id, owner_user_id, owner_type, owner_id, status, declared_content_type, declared_size_bytes, detected_content_type, size_bytes, incoming_key, crop, upload_expires_at)
       VALUES ($1, $2, 'PROFILE', $3, 'PROCESSING', 'image/jpeg', $4, 'image/jpeg', $4, $5, $6, now() + interval '15 minutes')`,
      [mediaId, userId, profileId, body.length, key, JSON.stringify({ x: 0.1, y: 0.1, width: 0.8, height: 0.8 })],
    );
    const started = performance.now();
    const timings = await worker.handle(newDomainEvent('media.uploaded', { mediaId }));
    const total = performance.now() - started;
    if (!timings) throw new Error(`media ${mediaId} was not processed`);
    if (i < 2) continue; // first two: JIT and caches warming
    variants.push(timings.variantsMs);
    moderation.push(timings.moderationMs);
    totals.push(total);
  }
  const fmt = (values: number[]) =>
    `p50 ${percentile(values, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(values, 95).toFixed(1).padStart(7)} ms`;
  console.log(
    `bench:media — ${IMAGES} JPEGs 1600×1200 (~${Math.round((await photo(0)).length / 1024)} KB), crop box 80%, 4 WebP variants, nsfwjs MobileNetV2 on tfjs-wasm, ${process.arch} x ${(await import('node:os')).cpus().length} cores`,
  );
  console.log(`model load (once per container)    ${modelLoadMs.toFixed(0)} ms`);
  console.log(`variants (decode, strip, crop, 4×WebP)  ${fmt(variants)}`);
  console.log(`moderation (classify)                   ${fmt(moderation)}`);
  console.log(`whole item (S3 read/writes, DB, both)   ${fmt(totals)}`);
  s3.destroy();
});
