/**
 * S3 lifecycle expiration, which s3rver does not do: the same prefix rules the data stack gives the
 * buckets (infra/definitions/buckets.ts `expirations`), applied by a sweep. In AWS, S3 itself deletes
 * these objects (the msg-previews bucket's never-sent previews under unsent/ and never-completed
 * uploads under incoming/, media originals' incoming/, DSAR export bundles); the local stack runs
 * this sweep on a timer and on its dev route `/dev/jobs/s3-lifecycle` (?now= sweeps as if then).
 * An object expires `days` whole days after it was written (S3 rounds up to the next midnight UTC;
 * the sweep does not, which only makes it earlier by less than a day).
 */
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { physicalBucketName, type BucketSpec } from '../definitions/buckets.ts';

const DAY_MS = 86_400_000;

export interface LifecycleSweep {
  /** Objects deleted per bucket and prefix, e.g. `{ 'rastup-local-msg-previews/unsent/': 2 }`. */
  readonly expired: Record<string, number>;
}

export async function sweepExpiredObjects(options: {
  readonly client: S3Client;
  readonly stage: string;
  readonly buckets: readonly BucketSpec[];
  readonly now: Date;
}): Promise<LifecycleSweep> {
  const expired: Record<string, number> = {};
  for (const spec of options.buckets) {
    const bucket = physicalBucketName(options.stage, spec);
    for (const rule of spec.expirations) {
      const cutoff = options.now.getTime() - rule.days * DAY_MS;
      let count = 0;
      let token: string | undefined;
      do {
        const page = await options.client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: rule.prefix, ContinuationToken: token }),
        );
        const due = (page.Contents ?? []).filter(
          (object) => object.Key && object.LastModified && object.LastModified.getTime() <= cutoff,
        );
        if (due.length > 0) {
          await options.client.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: due.map((object) => ({ Key: object.Key! })), Quiet: true },
            }),
          );
          count += due.length;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      expired[`${bucket}/${rule.prefix}`] = count;
    }
  }
  return { expired };
}
