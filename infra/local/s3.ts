/**
 * s3rver stands in for S3 locally. Buckets (and their CORS rules for browser uploads) come from
 * the same specs as the CDK data stack. s3rver checks the access key id and expiry of presigned
 * requests but not SigV4 signatures, so policy construction is tested on its own, not trusted here.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bucketCors, physicalBucketName, type BucketSpec } from '../definitions/buckets.ts';

const require = createRequire(import.meta.url);
// s3rver is CommonJS without types.
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
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
