/**
 * What s3rver lacks for write-once buckets (those with `objectLock` in infra/definitions/buckets.ts),
 * added as a Koa middleware in front of its router so the anchors bucket behaves locally as it does
 * in AWS (data stack: versioning + Object Lock COMPLIANCE + a bucket policy):
 *
 * - The bucket policy denies `s3:DeleteObject*` to every principal, and `s3:PutObject` without
 *   `If-None-Match: *`: here a DELETE (plain or of a version, single or multi-object) and an
 *   unconditional PUT answer 403 AccessDenied, as a policy deny does.
 * - Conditional writes: `If-None-Match: *` on a key that exists answers 412 PreconditionFailed.
 *   Writes to one bucket are serialised, so of two concurrent writers exactly one wins (S3 promises
 *   the same; s3rver alone would let both overwrite).
 * - Versioning, for ListObjectVersions (`GET /<bucket>?versions`) and `GET …?versionId=`: every PUT
 *   gets a version id. With `denyDeletes: false` (the policy removed, which only a test does, to
 *   show what audit:verify then catches) a plain DELETE does what Object Lock lets it do: it hides
 *   the object behind a delete marker, the locked version stays listed; deleting a version is still
 *   refused (COMPLIANCE retention).
 *
 * The version history lives in a JSON file beside s3rver's folder. Listing answers in one page
 * (local volumes are small). Objects written before this layer existed are listed with version
 * id `null`, as S3 lists objects written before versioning was enabled.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// s3rver's error type renders S3's XML error bodies and statuses (CommonJS, no types).
const S3Error = require('s3rver/lib/models/error') as new (
  code: string,
  message: string,
  detail?: Record<string, unknown>,
) => Error;

interface VersionEntry {
  versionId: string;
  lastModified: string;
  etag: string;
  size: number;
  deleteMarker: boolean;
  /** Kept for versions that are no longer current (the current one's bytes are in s3rver's store). */
  body?: string;
  contentType?: string;
}

type History = Record<string, Record<string, VersionEntry[]>>;

interface StoredObject {
  content: NodeJS.ReadableStream | null;
  metadata: Record<string, string>;
}

interface Store {
  getObject(bucket: string, key: string): Promise<StoredObject | null>;
  deleteObject(bucket: string, key: string): Promise<void>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  listObjects(
    bucket: string,
    options: { prefix?: string; maxKeys?: number },
  ): Promise<{ objects: { key: string; lastModifiedDate: Date; metadata: Record<string, string>; size: number }[] }>;
}

interface Ctx {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  store: Store;
  set(name: string, value: string): void;
  response: { get(name: string): string };
}

const accessDenied = () => new S3Error('AccessDenied', 'Access Denied');

async function streamToBuffer(stream: NodeJS.ReadableStream | null): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function writeOnceMiddleware(options: {
  buckets: ReadonlySet<string>;
  denyDeletes: boolean;
  historyFile: string;
}): (ctx: Ctx, next: () => Promise<void>) => Promise<void> {
  const history: History = existsSync(options.historyFile)
    ? (JSON.parse(readFileSync(options.historyFile, 'utf8')) as History)
    : {};
  const save = () => writeFileSync(options.historyFile, JSON.stringify(history));
  const versionsOf = (bucket: string, key: string): VersionEntry[] => ((history[bucket] ??= {})[key] ??= []);
  const queues = new Map<string, Promise<unknown>>();
  const serialised = <T>(bucket: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(bucket) ?? Promise.resolve();
    const run = previous.then(work, work);
    queues.set(
      bucket,
      run.catch(() => undefined),
    );
    return run;
  };

  return async function writeOnce(ctx, next) {
    const [, bucket = '', ...rest] = ctx.path.split('/');
    if (!options.buckets.has(bucket)) return next();
    const key = rest.map((part) => decodeURIComponent(part)).join('/');
    const method = ctx.method.toUpperCase();

    if (method === 'POST' && 'delete' in ctx.query) throw accessDenied();
    if (!key) {
      if (method === 'GET' && 'versions' in ctx.query) return listVersions(ctx, bucket);
      return next();
    }
    if (method === 'DELETE') {
      if (options.denyDeletes || ctx.query.versionId !== undefined) throw accessDenied();
      return serialised(bucket, () => hideBehindMarker(ctx, bucket, key));
    }
    if (method === 'PUT') {
      // Only a single conditional PutObject: copies, multipart parts and tag/ACL edits are not anchors.
      const subresource = ['uploadId', 'partNumber', 'tagging', 'acl', 'retention', 'legal-hold'].some(
        (name) => name in ctx.query,
      );
      if (subresource || 'x-amz-copy-source' in ctx.headers) throw accessDenied();
      return serialised(bucket, () => conditionalPut(ctx, next, bucket, key));
    }
    if (method === 'POST' && 'uploads' in ctx.query) throw accessDenied();
    if ((method === 'GET' || method === 'HEAD') && typeof ctx.query.versionId === 'string')
      return getVersion(ctx, next, bucket, key, ctx.query.versionId);
    return next();
  };

  async function conditionalPut(ctx: Ctx, next: () => Promise<void>, bucket: string, key: string) {
    if (ctx.headers['if-none-match'] !== '*') throw accessDenied();
    if (await ctx.store.existsObject(bucket, key))
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
        Condition: 'If-None-Match',
      });
    const versions = versionsOf(bucket, key);
    // A delete marker in front becomes noncurrent history; the new write is the current version.
    await next();
    if (ctx.status !== 200) return;
    const versionId = randomUUID().replaceAll('-', '');
    versions.push({
      versionId,
      lastModified: new Date().toISOString(),
      etag: ctx.response.get('ETag'),
      size: Number(ctx.headers['content-length'] ?? 0),
      deleteMarker: false,
    });
    save();
    ctx.set('x-amz-version-id', versionId);
  }

  async function hideBehindMarker(ctx: Ctx, bucket: string, key: string) {
    const current = await ctx.store.getObject(bucket, key);
    const versions = versionsOf(bucket, key);
    if (current) {
      const body = await streamToBuffer(current.content);
      let entry = versions.findLast((version) => !version.deleteMarker && version.body === undefined);
      if (!entry) {
        entry = {
          versionId: 'null',
          lastModified: new Date(current.metadata['last-modified'] ?? Date.now()).toISOString(),
          etag: current.metadata.etag ?? '',
          size: body.length,
          deleteMarker: false,
        };
        versions.push(entry);
      }
      entry.body = body.toString('base64');
      entry.contentType = current.metadata['content-type'];
      await ctx.store.deleteObject(bucket, key);
    }
    const versionId = randomUUID().replaceAll('-', '');
    versions.push({ versionId, lastModified: new Date().toISOString(), etag: '', size: 0, deleteMarker: true });
    save();
    ctx.set('x-amz-delete-marker', 'true');
    ctx.set('x-amz-version-id', versionId);
    ctx.status = 204;
  }

  async function getVersion(ctx: Ctx, next: () => Promise<void>, bucket: string, key: string, versionId: string) {
    const versions = versionsOf(bucket, key);
    const entry = versions.find((version) => version.versionId === versionId);
    const isCurrent = entry === versions.at(-1) && entry !== undefined && !entry.deleteMarker;
    if (isCurrent || (versionId === 'null' && !entry && (await ctx.store.existsObject(bucket, key)))) return next();
    if (!entry)
      throw new S3Error('NoSuchVersion', 'The specified version does not exist.', { Key: key, VersionId: versionId });
    if (entry.deleteMarker)
      throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.');
    ctx.set('x-amz-version-id', entry.versionId);
    ctx.set('ETag', entry.etag);
    ctx.set('Last-Modified', new Date(entry.lastModified).toUTCString());
    ctx.type = entry.contentType ?? 'application/octet-stream';
    ctx.status = 200;
    ctx.body = Buffer.from(entry.body ?? '', 'base64');
  }

  async function listVersions(ctx: Ctx, bucket: string) {
    const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
    const { objects } = await ctx.store.listObjects(bucket, { prefix, maxKeys: 100_000 });
    const keys = new Set([
      ...objects.map((object) => object.key),
      ...Object.keys(history[bucket] ?? {}).filter((key) => key.startsWith(prefix)),
    ]);
    const current = new Map(objects.map((object) => [object.key, object]));
    const listed: { kind: 'Version' | 'DeleteMarker'; entry: Record<string, unknown> }[] = [];
    for (const key of [...keys].sort()) {
      const versions = [...(history[bucket]?.[key] ?? [])];
      const object = current.get(key);
      // Written before this layer kept history: S3 lists such an object with version id "null".
      if (object && (versions.length === 0 || versions.at(-1)!.deleteMarker || versions.at(-1)!.body !== undefined))
        versions.push({
          versionId: 'null',
          lastModified: object.lastModifiedDate.toISOString(),
          etag: object.metadata.etag ?? '',
          size: object.size,
          deleteMarker: false,
        });
      versions.reverse().forEach((version, index) => {
        const common = {
          Key: key,
          VersionId: version.versionId,
          IsLatest: index === 0,
          LastModified: version.lastModified,
        };
        if (version.deleteMarker) listed.push({ kind: 'DeleteMarker', entry: common });
        else
          listed.push({
            kind: 'Version',
            entry: { ...common, ETag: version.etag, Size: version.size, StorageClass: 'STANDARD' },
          });
      });
    }
    ctx.body = {
      ListVersionsResult: {
        '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
        Name: bucket,
        Prefix: prefix,
        KeyMarker: '',
        VersionIdMarker: '',
        MaxKeys: 100_000,
        IsTruncated: false,
        Version: listed.filter((item) => item.kind === 'Version').map((item) => item.entry),
        DeleteMarker: listed.filter((item) => item.kind === 'DeleteMarker').map((item) => item.entry),
      },
    };
  }
}
