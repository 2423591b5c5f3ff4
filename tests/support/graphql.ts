/** Small helpers for GraphQL integration tests: raw calls that return data + errors, and polling. */
import pg from 'pg';
import { postGraphql, stackInfo, withApiKey } from './clients.ts';

export interface GqlAnswer<T = any> {
  data: T;
  errors?: { errorType?: string; message: string; errorInfo?: Record<string, unknown>; path?: unknown[] }[];
  text: string;
}

export async function gqlAs(
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlAnswer> {
  const headers = token ? { authorization: `Bearer ${token}` } : withApiKey();
  const answer = await postGraphql(JSON.stringify({ query, variables }), headers);
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.text}`);
  return { data: answer.body.data, errors: answer.body.errors, text: answer.text };
}

/** Data or a thrown error naming the GraphQL errors (for the happy path). */
export async function gqlOk<T = any>(
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const answer = await gqlAs(token, query, variables);
  if (answer.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors)}`);
  return answer.data as T;
}

export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  intervalMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

let pool: pg.Pool | undefined;

/**
 * One small pool per test file: a connection per query cost 12-17 ms (a PostgreSQL backend start)
 * on a loaded 2-core machine against ~1 ms reused, and polling loops run thousands of these.
 * Connections are reused: never change session state (SET, SET ROLE) through sql(); take a client.
 */
function testPool(): pg.Pool {
  if (!pool) {
    pool = new pg.Pool({
      connectionString: stackInfo().endpoints.databaseUrl,
      max: 10,
      idleTimeoutMillis: 5_000,
      allowExitOnIdle: true,
    });
    // An idle connection ended by the stack stopping at the end of the run fails no test.
    pool.on('error', () => undefined);
  }
  return pool;
}

export async function sql<T extends pg.QueryResultRow = any>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await testPool().query<T>(text, values)).rows;
}

/** A browser-style multipart POST to the presigned URL: the policy fields, then the file. */
export async function postToPresigned(
  upload: { url: string; fields: string },
  body: Buffer,
  contentType: string,
): Promise<number> {
  const form = new FormData();
  for (const [name, value] of Object.entries(JSON.parse(upload.fields) as Record<string, string>))
    form.append(name, value);
  form.append('file', new Blob([new Uint8Array(body)], { type: contentType }), 'upload');
  const response = await fetch(upload.url, { method: 'POST', body: form });
  await response.arrayBuffer();
  return response.status;
}

export const MEDIA_FIELDS =
  'id ownerType ownerId status contentType width height nsfwBand sortOrder isCover variants { name url width height format }';

/** Request → POST → complete; returns the media id (completion answer included). */
export async function uploadImage(
  token: string,
  input: {
    ownerType: string;
    ownerId: string;
    body: Buffer;
    contentType: string;
    crop?: Record<string, number>;
    alt?: string;
  },
) {
  const requested = await gqlOk(
    token,
    `mutation($input: RequestMediaUploadInput!) { requestMediaUpload(input: $input) { media { id status } upload { url fields maxBytes expiresAt } } }`,
    {
      input: {
        ownerType: input.ownerType,
        ownerId: input.ownerId,
        contentType: input.contentType,
        sizeBytes: input.body.length,
        ...(input.crop ? { crop: input.crop } : {}),
        ...(input.alt ? { alt: input.alt } : {}),
      },
    },
  );
  const status = await postToPresigned(requested.requestMediaUpload.upload, input.body, input.contentType);
  if (status >= 300) throw new Error(`presigned POST answered ${status}`);
  const completed = await gqlAs(token, `mutation($id: ID!) { completeMediaUpload(id: $id) { ${MEDIA_FIELDS} } }`, {
    id: requested.requestMediaUpload.media.id,
  });
  return { id: requested.requestMediaUpload.media.id as string, completed };
}

/**
 * Waits for one of `statuses`. A band-0 portfolio item goes READY (moderated) then PUBLISHED (its
 * public copies exist); when both are asked for, a publishable READY item is not done yet.
 */
export async function waitForMedia(
  token: string,
  id: string,
  statuses: string[] = ['PUBLISHED', 'READY', 'FLAGGED', 'FAILED'],
) {
  return eventually(async () => {
    const answer = await gqlOk(token, `query($id: ID!) { myMedia(id: $id) { ${MEDIA_FIELDS} } }`, { id });
    const item = answer.myMedia;
    if (!statuses.includes(item.status)) return undefined;
    const publishable = item.status === 'READY' && item.nsfwBand === 0 && item.ownerType !== 'VERIFICATION';
    return publishable && statuses.includes('PUBLISHED') ? undefined : item;
  }, 60_000);
}
