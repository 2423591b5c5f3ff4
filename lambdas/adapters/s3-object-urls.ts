/**
 * ObjectUrlSigner on S3 (s3rver locally, which checks only the key id and expiry of a signature:
 * what the signature binds is checked by the unit test of this adapter, not by the local store).
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectUrlSigner } from '../core/ports.ts';

export class S3ObjectUrls implements ObjectUrlSigner {
  constructor(private readonly client: S3Client) {}

  async presignPut(input: {
    bucket: string;
    key: string;
    contentType: string;
    contentLength: number;
    expiresSeconds: number;
  }): Promise<{ url: string; headers: Record<string, string> }> {
    const url = await getSignedUrl(
      this.client,
      new PutObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        ContentType: input.contentType,
        ContentLength: input.contentLength,
      }),
      {
        expiresIn: input.expiresSeconds,
        // Signed headers: S3 answers 403 to a PUT whose type or length differs from the declared ones.
        signableHeaders: new Set(['content-type', 'content-length']),
      },
    );
    return { url, headers: { 'content-type': input.contentType, 'content-length': String(input.contentLength) } };
  }

  presignGet(input: { bucket: string; key: string; expiresSeconds: number }): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: input.bucket, Key: input.key }), {
      expiresIn: input.expiresSeconds,
    });
  }
}
