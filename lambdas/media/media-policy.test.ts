import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../adapters/s3-object-store.ts';
import { MAX_UPLOAD_BYTES, cropBox, incomingKey, sniffImageType, uploadPolicy } from './media-policy.ts';

describe('upload policy', () => {
  it('binds the exact key, the declared allowed type and a 1 B–50 MB size range', () => {
    const policy = uploadPolicy({ key: 'incoming/usr_1/med_1', contentType: 'image/png' });
    expect(policy.conditions).toEqual([
      ['content-length-range', 1, 50 * 1024 * 1024],
      ['eq', '$Content-Type', 'image/png'],
      ['eq', '$key', 'incoming/usr_1/med_1'],
    ]);
    expect(policy.fields).toEqual({ 'Content-Type': 'image/png' });
  });

  it('ends up, signed, in the form the browser posts (decoded policy document)', async () => {
    // Signing is local: no request leaves the process.
    const client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const key = incomingKey('usr_01TEST', 'med_01TEST');
    const policy = uploadPolicy({ key, contentType: 'image/jpeg' });
    const post = await new S3ObjectStore(client, createPresignedPost).presignPost({
      bucket: 'rastup-dev-media-originals',
      key,
      conditions: policy.conditions,
      fields: policy.fields,
      expiresSeconds: 900,
    });
    const document = JSON.parse(Buffer.from(post.fields.Policy!, 'base64').toString('utf8')) as {
      expiration: string;
      conditions: unknown[];
    };
    expect(document.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 1, MAX_UPLOAD_BYTES],
        ['eq', '$Content-Type', 'image/jpeg'],
        ['eq', '$key', key],
        { bucket: 'rastup-dev-media-originals' },
      ]),
    );
    expect(new Date(document.expiration).getTime() - Date.now()).toBeLessThanOrEqual(900_000);
    expect(post.fields).toMatchObject({ key, 'Content-Type': 'image/jpeg', 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' });
    expect(post.fields['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts crop boxes inside the image only', () => {
    expect(cropBox.safeParse({ x: 0.5, y: 0, width: 0.5, height: 1 }).success).toBe(true);
    expect(cropBox.safeParse({ x: 0.6, y: 0, width: 0.5, height: 1 }).success).toBe(false);
    expect(cropBox.safeParse({ x: 0, y: 0, width: 0, height: 1 }).success).toBe(false);
  });
});

describe('sniffing the real type', () => {
  const make = (format: 'jpeg' | 'png' | 'webp' | 'gif') =>
    sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
      .toFormat(format)
      .toBuffer();

  it('recognises the allowed image types from their bytes', async () => {
    expect(await sniffImageType(await make('jpeg'))).toBe('image/jpeg');
    expect(await sniffImageType(await make('png'))).toBe('image/png');
    expect(await sniffImageType(await make('webp'))).toBe('image/webp');
  });

  it('refuses other images, scripts and empty input', async () => {
    expect(await sniffImageType(await make('gif'))).toBeNull();
    expect(await sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBeNull();
    expect(await sniffImageType(Buffer.from('#!/bin/sh\necho hi'))).toBeNull();
    expect(await sniffImageType(Buffer.alloc(0))).toBeNull();
  });
});
