/**
 * AnchorStore on S3. In AWS the bucket is versioned with Object Lock in COMPLIANCE mode and a bucket
 * policy (infra/cdk/stacks/data.stack.ts) that denies s3:DeleteObject* and any PutObject without
 * `If-None-Match: *`: no version can be removed before its retention ends, and a key is written once
 * (S3's conditional write answers 412 to the second writer). Locally infra/local/s3-write-once.ts
 * gives s3rver the same behaviour.
 *
 * `list` reads ListObjectVersions, not ListObjectsV2: Object Lock does not stop a plain DeleteObject
 * from adding a delete marker, and a plain listing silently skips an anchor behind one. A hidden
 * anchor is an integrity failure (AUDIT.ANCHOR_HIDDEN), not an anchor less to check.
 */
import {
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  ANCHOR_PREFIX,
  AnchorIntegrityError,
  parseStoredAnchor,
  type AnchorStore,
  type AuditAnchor,
} from '../core/db/audit-anchors.ts';

const status = (error: unknown) => (error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined);

export class S3AnchorStore implements AnchorStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putNew(key: string, body: string): Promise<boolean> {
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
      // 412: the key exists (another writer of the same head, or an earlier run).
      if (status(error) === 412) return false;
      throw error;
    }
  }

  /** Lists every version of every anchor (no bodies); throws AUDIT.ANCHOR_HIDDEN at a delete marker. */
  async assertNoneHidden(): Promise<number> {
    return (await this.versions()).length;
  }

  async list(): Promise<AuditAnchor[]> {
    const versions = await this.versions();
    // Every version is read, not only the latest: a second version of a key is checked like the first.
    const anchors = new Map<string, AuditAnchor>();
    for (const { key, versionId } of versions) {
      const got = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(versionId && versionId !== 'null' ? { VersionId: versionId } : {}),
        }),
      );
      anchors.set(key, parseStoredAnchor(key, await got.Body!.transformToString()));
    }
    return [...anchors.values()];
  }

  private async versions(): Promise<{ key: string; versionId: string | undefined }[]> {
    const versions: { key: string; versionId: string | undefined }[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: ANCHOR_PREFIX,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      const hidden = (page.DeleteMarkers ?? []).find((marker) => marker.IsLatest);
      if (hidden)
        throw new AnchorIntegrityError(
          'AUDIT.ANCHOR_HIDDEN',
          `anchor ${hidden.Key} is hidden behind a delete marker (version ${hidden.VersionId}, ${hidden.LastModified?.toISOString()})`,
          hidden.Key!,
        );
      for (const version of page.Versions ?? []) versions.push({ key: version.Key!, versionId: version.VersionId });
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return versions;
  }
}
