/**
 * S3 buckets, defined once for the CDK data stack and the local stack (s3rver).
 */
export interface CorsRuleSpec {
  readonly allowedMethods: readonly ('GET' | 'PUT' | 'POST' | 'HEAD')[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

export interface BucketSpec {
  readonly id: string;
  readonly envVar: string;
  /** Served to the public through CloudFront (origin access control); the bucket itself stays private. */
  readonly publicThroughCdn: boolean;
  /** Browser uploads land here through presigned POST policies. */
  readonly browserUploads: boolean;
  /** Objects under these prefixes expire after the given days. */
  readonly expirations: readonly { prefix: string; days: number }[];
  /** Days before current objects move to infrequent access; undefined keeps them in standard. */
  readonly infrequentAccessAfterDays?: number;
  readonly purpose: string;
  /**
   * S3 Object Lock: every version is kept unaltered for `retentionDays` (COMPLIANCE: no one, root
   * included, can shorten it). The data stack adds a bucket policy denying s3:DeleteObject* and
   * unconditional PutObject; locally infra/local/s3-write-once.ts gives s3rver the same behaviour.
   */
  readonly objectLock?: { readonly mode: 'COMPLIANCE'; readonly retentionDays: number };
}

const uploadCors: CorsRuleSpec = {
  allowedMethods: ['POST', 'PUT'],
  allowedHeaders: ['content-type', 'content-length', 'x-amz-*'],
  exposedHeaders: ['ETag'],
  maxAgeSeconds: 3000,
};

export const mediaOriginalsBucket: BucketSpec = {
  id: 'media-originals',
  envVar: 'MEDIA_ORIGINALS_BUCKET',
  publicThroughCdn: false,
  browserUploads: true,
  // Uploads that never complete are garbage after a day.
  expirations: [{ prefix: 'incoming/', days: 1 }],
  infrequentAccessAfterDays: 90,
  purpose: 'private originals as uploaded (never public)',
};

export const mediaPublicBucket: BucketSpec = {
  id: 'media-public',
  envVar: 'MEDIA_PUBLIC_BUCKET',
  publicThroughCdn: true,
  browserUploads: false,
  expirations: [],
  purpose: 'SFW variants only, served through CloudFront',
};

export const messagePreviewsBucket: BucketSpec = {
  id: 'msg-previews',
  envVar: 'MESSAGE_PREVIEWS_BUCKET',
  publicThroughCdn: false,
  browserUploads: true,
  // Uploads never completed, and previews never sent (a message moves its preview to previews/):
  // the attachment items carry a 24 h TTL to match.
  expirations: [
    { prefix: 'incoming/', days: 1 },
    { prefix: 'unsent/', days: 1 },
  ],
  purpose: 'message previews (seed 004 §1.4.B.3)',
};

export const privacyExportsBucket: BucketSpec = {
  id: 'privacy-exports',
  envVar: 'PRIVACY_EXPORTS_BUCKET',
  publicThroughCdn: false,
  browserUploads: false,
  // A bundle is fetched through a link that works for minutes; nothing keeps it beyond a day.
  expirations: [{ prefix: 'exports/', days: 1 }],
  purpose: 'DSAR export bundles (NTB-EXPORT-001), downloaded through short-lived presigned GETs',
};

export const auditAnchorsBucket: BucketSpec = {
  id: 'audit-anchors',
  envVar: 'AUDIT_ANCHORS_BUCKET',
  publicThroughCdn: false,
  browserUploads: false,
  expirations: [],
  // Seven years, the retention of the audit records themselves.
  objectLock: { mode: 'COMPLIANCE', retentionDays: 2557 },
  purpose: "WORM anchors of the audit chain's head (write-once; audit:verify checks the chain against them)",
};

export const buckets: readonly BucketSpec[] = [
  mediaOriginalsBucket,
  mediaPublicBucket,
  messagePreviewsBucket,
  privacyExportsBucket,
  auditAnchorsBucket,
];
export const bucketCors = uploadCors;

export function physicalBucketName(stage: string, spec: BucketSpec, accountSuffix = ''): string {
  return `rastup-${stage}-${spec.id}${accountSuffix ? `-${accountSuffix}` : ''}`;
}
