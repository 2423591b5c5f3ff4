/** ObjectStore on S3 (s3rver locally: path-style addressing through S3_ENDPOINT). */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { awsEnvSchema, configOnce, parseConfig } from '../core/config.ts';
import type {
  ListedObject,
  ObjectCopier,
  ObjectLister,
  ObjectStore,
  PostPolicyCondition,
  PresignedPost,
  StoredObjectHead,
} from '../core/ports.ts';
import { traced } from './tracing.ts';

export const s3ClientFromEnv = configOnce(() => {
  const env = parseConfig(awsEnvSchema);
  return traced(
    new S3Client({
      region: env.AWS_REGION,
      ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT, forcePathStyle: true } : {}),
    }),
  );
});

function isMissing(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    error instanceof NotFound ||
    (error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey'))
  );
}

/**
 * The presigner is injected, not imported: only the API Lambda presigns uploads, and
 * `@aws-sdk/s3-presigned-post` (~145 KiB minified) would otherwise ride in the moderation worker's
 * and the reconciler's bundles too (the worker was over the 1 MB budget with it).
 */
export type PostPresigner = typeof createPresignedPost;

export class S3ObjectStore implements ObjectStore, ObjectLister, ObjectCopier {
  constructor(
    private readonly client: S3Client,
    private readonly presigner?: PostPresigner,
  ) {}

  async presignPost(input: {
    bucket: string;
    key: string;
    conditions: readonly PostPolicyCondition[];
    fields: Record<string, string>;
    expiresSeconds: number;
  }): Promise<PresignedPost> {
    if (!this.presigner) throw new Error('S3ObjectStore: built without a presigner, cannot presign uploads');
    const post = await this.presigner(this.client, {
      Bucket: input.bucket,
      Key: input.key,
      Conditions: input.conditions as Parameters<PostPresigner>[1]['Conditions'],
      Fields: input.fields,
      Expires: input.expiresSeconds,
    });
    return { url: post.url, fields: post.fields };
  }

  async head(bucket: string, key: string): Promise<StoredObjectHead | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { sizeBytes: head.ContentLength ?? 0, contentType: head.ContentType };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async readPrefix(bucket: string, key: string, length: number): Promise<Buffer> {
    const object = await this.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${length - 1}` }),
    );
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    // A store that ignores Range still answers correctly, just with more bytes.
    return bytes.subarray(0, length);
  }

  async read(bucket: string, key: string): Promise<Buffer | null> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async write(bucket: string, key: string, body: Buffer, contentType: string, cacheControl?: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...(cacheControl ? { CacheControl: cacheControl } : {}),
      }),
    );
  }

  async copy(bucket: string, fromKey: string, toKey: string): Promise<boolean> {
    try {
      const source = `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`;
      await this.client.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: source }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ListedObject> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) if (item.Key) yield { key: item.Key };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
