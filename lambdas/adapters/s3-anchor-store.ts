/**
 * AnchorStore on S3. In AWS the bucket has Object Lock in COMPLIANCE mode (infra/definitions/
 * buckets.ts `auditAnchorsBucket`): no one, root included, can delete or overwrite a locked version
 * before its retention ends, and `If-None-Match: *` makes S3 refuse a second write of a key.
 * The local stand-in (s3rver) has neither Object Lock nor conditional writes: this adapter checks
 * that the key is absent (HEAD) before the PUT, which refuses an overwrite through this code but
 * not through another S3 client, and leaves a window between HEAD and PUT. That is the stand-in's
 * limit; keys are unique per head (seq + hash), so two writers of one head write the same bytes.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ANCHOR_PREFIX, anchorSchema, type AnchorStore, type AuditAnchor } from '../core/db/audit-anchors.ts';

const status = (error: unknown) => (error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined);

export class S3AnchorStore implements AnchorStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putNew(key: string, body: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return false;
    } catch (error) {
      if (status(error) !== 404 && (error as Error).name !== 'NotFound') throw error;
    }
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (error) {
      // 412: another writer created the key first (S3's conditional write).
      if (status(error) === 412) return false;
      throw error;
    }
  }

  async list(): Promise<AuditAnchor[]> {
    const anchors: AuditAnchor[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: ANCHOR_PREFIX, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key! }));
        anchors.push(anchorSchema.parse(JSON.parse(await got.Body!.transformToString())));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return anchors;
  }
}
