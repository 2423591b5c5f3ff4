/**
 * s3rver stands in for S3 locally. Buckets (and their CORS rules for browser uploads) come from
 * the same specs as the CDK data stack. s3rver checks the access key id and expiry of presigned
 * requests but not SigV4 signatures, so policy construction is tested on its own, not trusted here.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bucketCors, physicalBucketName, type BucketSpec } from '../definitions/buckets.ts';
import { writeOnceMiddleware } from './s3-write-once.ts';

const require = createRequire(import.meta.url);
// s3rver is CommonJS without types.
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  /** Koa's middleware list; the last entry is s3rver's router. */
  middleware: unknown[];
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  on(
    event: 'event',
    listener: (event: {
      Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string; size: number } } }[];
    }) => void,
  ): void;
};

export interface RunningS3 {
  readonly endpoint: string;
  /** Object-created notifications, as S3 would send them to EventBridge/SQS. */
  onObjectCreated(listener: (bucket: string, key: string, size: number) => void): void;
  stop(): Promise<void>;
}

function corsXml(): string {
  const methods = bucketCors.allowedMethods.map((method) => `<AllowedMethod>${method}</AllowedMethod>`).join('');
  const headers = bucketCors.allowedHeaders.map((header) => `<AllowedHeader>${header}</AllowedHeader>`).join('');
  const exposed = bucketCors.exposedHeaders.map((header) => `<ExposeHeader>${header}</ExposeHeader>`).join('');
  return `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>${methods}${headers}${exposed}<MaxAgeSeconds>${bucketCors.maxAgeSeconds}</MaxAgeSeconds></CORSRule></CORSConfiguration>`;
}

export async function startS3(options: {
  port: number;
  dataDir: string;
  stage: string;
  buckets: readonly BucketSpec[];
  /**
   * The write-once buckets' policy denies deletes (as the data stack's does). Only a test turns it
   * off, to show that a delete marker hiding an anchor is then caught by audit:verify.
   */
  denyDeletes?: boolean;
}): Promise<RunningS3> {
  mkdirSync(options.dataDir, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.dataDir,
    silent: true,
    configureBuckets: options.buckets.map((spec) => ({
      name: physicalBucketName(options.stage, spec),
      configs: spec.browserUploads ? [corsXml()] : [],
    })),
  });
  // Object Lock, versioning and the deny policy of write-once buckets (s3rver has none of them),
  // in front of s3rver's router so its own handlers never see a refused request.
  server.middleware.splice(
    server.middleware.length - 1,
    0,
    writeOnceMiddleware({
      buckets: new Set(
        options.buckets.filter((spec) => spec.objectLock).map((spec) => physicalBucketName(options.stage, spec)),
      ),
      denyDeletes: options.denyDeletes ?? true,
      historyFile: `${options.dataDir}.versions.json`,
    }),
  );
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    onObjectCreated(listener) {
      server.on('event', (event) => {
        for (const record of event.Records) {
          if (record.eventName.startsWith('ObjectCreated'))
            listener(record.s3.bucket.name, decodeURIComponent(record.s3.object.key), record.s3.object.size);
        }
      });
    },
    stop: () => server.close(),
  };
}
