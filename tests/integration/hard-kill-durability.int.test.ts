/**
 * Hard kills under load: the local stack (`npm start`: node, PostgreSQL, the DynamoDB Local JVM, as
 * one process group) is SIGKILLed at random moments while uploads, moderation decisions and
 * publish/unpublish are in flight, 5 times, restarting each time. After every restart each write the
 * API acknowledged is still there; at the end nothing was processed twice, nothing is stuck, and
 * the public bucket holds only what a published row names (no rejected or orphaned image).
 * RASTUP_KILL_SEED replays a run (the seed is printed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { SigningKeyStore } from '../../lambdas/auth/signing-keys.ts';
import { TokenService } from '../../lambdas/auth/token.service.ts';
import { systemClock } from '../../lambdas/core/clock.ts';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import type { Role } from '../../lambdas/core/identity.ts';
import { newId } from '../../lambdas/core/ids.ts';
import { testJpeg } from '../support/images.ts';
import { publishableProfilePatch } from '../support/profiles.ts';

const rootDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'rastup-killtest-'));
const KILLS = 5;
const seed = Number(process.env.RASTUP_KILL_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(start: number) {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = prng(seed);

interface Endpoints {
  graphqlUrl: string;
  restUrl: string;
  databaseUrl: string;
  s3Endpoint: string;
}

let running: ChildProcess | undefined;
afterAll(async () => {
  if (running?.exitCode === null) {
    running.kill('SIGINT');
    await new Promise((r) => running!.once('exit', r));
  }
  rmSync(stateDir, { recursive: true, force: true });
});

async function launch(): Promise<Endpoints> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: rootDir,
    env: {
      ...process.env,
      PORT: '0',
      RASTUP_STATE_DIR: stateDir,
      RASTUP_DEMO_SEED: 'off',
      MODERATION_TEST_MARKER: 'on',
    },
    // Its own process group: the kill takes node, PostgreSQL and the JVM down at the same instant.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running = child;
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const started = Date.now();
  while (!output.includes('Ctrl-C stops everything')) {
    if (Date.now() - started > 180_000 || child.exitCode !== null)
      throw new Error(`the stack did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return JSON.parse(readFileSync(join(stateDir, 'endpoints.json'), 'utf8')) as Endpoints;
}

async function hardKill(): Promise<void> {
  const child = running!;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}

async function mint(endpoints: Endpoints, userId: string, roles: Role[], stepUp = false): Promise<string> {
  const { keyEncryptionKey } = JSON.parse(readFileSync(join(stateDir, 'secrets.json'), 'utf8')) as {
    keyEncryptionKey: string;
  };
  const db = createDatabase({ connectionString: endpoints.databaseUrl, max: 1 });
  try {
    const tokens = new TokenService(
      new SigningKeyStore(db, systemClock, keyEncryptionKey, 30, 4500),
      systemClock,
      endpoints.restUrl,
      'rastup-api',
      900,
    );
    const now = Math.floor(Date.now() / 1000);
    const { token } = await tokens.issueAccessToken({
      userId,
      roles,
      amr: stepUp ? ['pwd', 'otp'] : ['pwd'],
      authTime: now,
      ...(stepUp ? { stepUpAt: now } : {}),
    });
    return token;
  } finally {
    await db.close();
  }
}

async function gql<T = any>(endpoints: Endpoints, token: string, query: string, variables = {}): Promise<T> {
  const response = await fetch(endpoints.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function query<T extends pg.QueryResultRow = any>(endpoints: Endpoints, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: endpoints.databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function upload(endpoints: Endpoints, token: string, ownerId: string, body: Buffer): Promise<string> {
  const requested = await gql(
    endpoints,
    token,
    `mutation($input: RequestMediaUploadInput!) { requestMediaUpload(input: $input) { media { id } upload { url fields } } }`,
    { input: { ownerType: 'PROFILE', ownerId, contentType: 'image/jpeg', sizeBytes: body.length } },
  );
  const form = new FormData();
  for (const [name, value] of Object.entries(
    JSON.parse(requested.requestMediaUpload.upload.fields) as Record<string, string>,
  ))
    form.append(name, value);
  form.append('file', new Blob([new Uint8Array(body)], { type: 'image/jpeg' }), 'upload');
  const posted = await fetch(requested.requestMediaUpload.upload.url, { method: 'POST', body: form });
  await posted.arrayBuffer();
  if (posted.status >= 300) throw new Error(`presigned POST answered ${posted.status}`);
  return requested.requestMediaUpload.media.id as string;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What the API acknowledged: each must survive any kill that comes after the answer. */
const acked = {
  /** completeMediaUpload answered: the item left AWAITING_UPLOAD for good. */
  completed: new Set<string>(),
  /** decideModeration answered: the decision stays. */
  decisions: new Map<string, 'READY' | 'REJECTED'>(),
  /** The profile's last acknowledged status, and the one asked for when the kill came (either may hold). */
  profile: { status: 'PUBLISHED', inFlight: undefined as string | undefined },
  /** Answers received so far (kills are timed against it, so each lands amid work). */
  count: 0,
};

async function checkAcknowledged(endpoints: Endpoints, profileId: string, epoch: number): Promise<void> {
  const rows = await query<{ id: string; status: string }>(
    endpoints,
    'SELECT id, status FROM media WHERE id = ANY($1)',
    [[...acked.completed, ...acked.decisions.keys()]],
  );
  const status = new Map(rows.map((row) => [row.id, row.status]));
  for (const id of acked.completed) {
    expect(status.get(id), `completed upload ${id} after kill ${epoch}`).toBeDefined();
    expect(status.get(id), `completed upload ${id} after kill ${epoch}`).not.toBe('AWAITING_UPLOAD');
  }
  for (const [id, decided] of acked.decisions)
    expect(status.get(id), `decision on ${id} after kill ${epoch}`).toBe(decided);
  const [profile] = await query<{ status: string }>(endpoints, 'SELECT status FROM service_profiles WHERE id = $1', [
    profileId,
  ]);
  const allowed = [acked.profile.status, ...(acked.profile.inFlight ? [acked.profile.inFlight] : [])];
  expect(allowed, `profile status after kill ${epoch}`).toContain(profile!.status);
  // What the row says now is the acknowledged truth from here on.
  acked.profile = { status: profile!.status, inFlight: undefined };
}

/** Uploads (SFW and flagged), decisions and publish/unpublish, until `stop` resolves. */
async function workload(
  endpoints: Endpoints,
  ids: { provider: string; admin: string; profileId: string },
  stopped: () => boolean,
) {
  let provider: string;
  let admin: string;
  try {
    provider = await mint(endpoints, ids.provider, ['provider']);
    admin = await mint(endpoints, ids.admin, ['admin'], true);
  } catch {
    return; // killed before the load began
  }
  const images = [
    await testJpeg({ width: 320, height: 240, seed: 5 }),
    await testJpeg({ width: 320, height: 240, seed: 6, marker: true }),
  ];
  const guard = async (step: () => Promise<void>) => {
    try {
      await step();
    } catch {
      await new Promise((r) => setTimeout(r, 50)); // killed mid-request, or refused: not acknowledged
    }
  };
  const uploader = async () => {
    while (!stopped())
      await guard(async () => {
        const id = await upload(endpoints, provider, ids.profileId, images[random() < 0.5 ? 0 : 1]!);
        await gql(endpoints, provider, `mutation($id: ID!) { completeMediaUpload(id: $id) { status } }`, { id });
        acked.completed.add(id);
        acked.count++;
      });
  };
  const moderator = async () => {
    while (!stopped())
      await guard(async () => {
        const queue = await gql<{ moderationQueue: { mediaId: string }[] }>(
          endpoints,
          admin,
          `{ moderationQueue { mediaId } }`,
        );
        const next = queue.moderationQueue.find((item) => !acked.decisions.has(item.mediaId));
        if (!next) return void (await new Promise((r) => setTimeout(r, 100)));
        const decision = random() < 0.5 ? 'APPROVE' : 'REJECT';
        await gql(
          endpoints,
          admin,
          `mutation($input: DecideModerationInput!) { decideModeration(input: $input) { status } }`,
          { input: { mediaId: next.mediaId, decision, reason: 'kill test' } },
        );
        acked.decisions.set(next.mediaId, decision === 'APPROVE' ? 'READY' : 'REJECTED');
        acked.count++;
      });
  };
  const publisher = async () => {
    while (!stopped())
      await guard(async () => {
        const target = acked.profile.status === 'PUBLISHED' ? 'UNPUBLISHED' : 'PUBLISHED';
        acked.profile.inFlight = target;
        const field = target === 'PUBLISHED' ? 'publishProfile' : 'unpublishProfile';
        const answer = await gql(endpoints, provider, `mutation($id: ID!) { ${field}(id: $id) { status } }`, {
          id: ids.profileId,
        });
        acked.profile = { status: answer[field].status as string, inFlight: undefined };
        acked.count++;
        await new Promise((r) => setTimeout(r, 100));
      });
  };
  await Promise.all([uploader(), uploader(), moderator(), publisher()]);
}

async function publishedProfile(endpoints: Endpoints, provider: string): Promise<string> {
  const token = await mint(endpoints, provider, ['provider']);
  const created = await gql(
    endpoints,
    token,
    `mutation($input: CreateServiceProfileInput!) { createServiceProfile(input: $input) { id version } }`,
    { input: { role: 'PHOTOGRAPHER', displayName: 'Kill Test' } },
  );
  const profile = created.createServiceProfile;
  await gql(endpoints, token, `mutation($input: SaveProfileDraftInput!) { saveProfileDraft(input: $input) { id } }`, {
    input: {
      profileId: profile.id,
      expectedVersion: profile.version,
      patch: publishableProfilePatch(),
    },
  });
  const cover = await upload(endpoints, token, profile.id, await testJpeg({ width: 320, height: 240, seed: 4 }));
  await gql(endpoints, token, `mutation($id: ID!) { completeMediaUpload(id: $id) { status } }`, { id: cover });
  await until('cover published', async () => {
    const [row] = await query(endpoints, 'SELECT jsonb_array_length(public_variants) AS n FROM media WHERE id = $1', [
      cover,
    ]);
    return (row?.n ?? 0) > 0;
  });
  await gql(endpoints, token, `mutation($id: ID!) { setCoverMedia(id: $id) { id } }`, { id: cover });
  await gql(endpoints, token, `mutation($id: ID!) { publishProfile(id: $id) { status } }`, { id: profile.id });
  return profile.id as string;
}

async function keysOf(endpoints: Endpoints, bucket: string, prefix: string): Promise<string[]> {
  const s3 = new S3Client({
    endpoint: endpoints.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((item) => item.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  } finally {
    s3.destroy();
  }
}

describe('hard kills under load', () => {
  it(
    `SIGKILL ${KILLS} times during uploads, moderation and publishing loses no acknowledged write`,
    { timeout: 900_000 },
    async () => {
      console.log(`hard-kill test seed ${seed} (RASTUP_KILL_SEED=${seed} replays the kill timings)`);
      const ids = { provider: newId('user'), admin: newId('user'), profileId: '' };
      let endpoints = await launch();
      ids.profileId = await publishedProfile(endpoints, ids.provider);

      for (let kill = 1; kill <= KILLS; kill++) {
        let stop = false;
        const load = workload(endpoints, ids, () => stop);
        // Once the load is flowing (a few answers in this run), 0–2.5 s more: the kill lands in
        // uploads, the worker's moderation, the publisher and decisions.
        const before = acked.count;
        await until('load flowing', async () => acked.count >= before + 3, 60_000).catch(() => undefined);
        await new Promise((r) => setTimeout(r, random() * 2_500));
        await hardKill();
        stop = true;
        await load;
        endpoints = await launch();
        await checkAcknowledged(endpoints, ids.profileId, kill);
      }
      expect(acked.completed.size).toBeGreaterThan(0);

      // Let the restarted stack finish what was committed: moderation, publication, withdrawals.
      await until('queues drained', async () => {
        const [pending] = await query(
          endpoints,
          `SELECT (SELECT count(*) FROM outbox_events WHERE published_at IS NULL)::int AS outbox,
                (SELECT count(*) FROM media WHERE status = 'PROCESSING')::int AS processing,
                (SELECT count(*) FROM media WHERE status = 'READY' AND nsfw_band = 0 AND jsonb_array_length(public_variants) = 0)::int AS unpublished`,
        );
        return pending.outbox === 0 && pending.processing === 0 && pending.unpublished === 0;
      });
      const reconciled = await fetch(`${endpoints.restUrl}/dev/jobs/media-reconcile`);
      expect(reconciled.status).toBe(200);

      // Nothing stuck or failed: every acknowledged upload was moderated.
      const media = await query<{
        id: string;
        status: string;
        nsfw_band: number | null;
        variants: { key: string }[];
        public_variants: { key: string }[];
        original_key: string | null;
      }>(
        endpoints,
        `SELECT id, status, nsfw_band, variants, public_variants, original_key FROM media WHERE owner_user_id = $1`,
        [ids.provider],
      );
      const byId = new Map(media.map((row) => [row.id, row]));
      for (const id of acked.completed) expect(['READY', 'FLAGGED', 'REJECTED']).toContain(byId.get(id)?.status);
      expect(media.filter((row) => row.status === 'FAILED')).toEqual([]);

      // Nothing processed twice: one worker verdict and at most one publication per item.
      expect(
        await query(
          endpoints,
          `SELECT payload->>'mediaId' AS id, type, count(*)::int AS n FROM outbox_events
          WHERE (type = 'media.processed' AND payload ? 'nsfwBand') OR type = 'media.published'
          GROUP BY 1, 2 HAVING count(*) > 1`,
        ),
      ).toEqual([]);
      expect(
        await query(
          endpoints,
          `SELECT subject, count(*)::int AS n FROM audit_log WHERE action LIKE 'media.moderation.%' GROUP BY 1 HAVING count(*) > 1`,
        ),
      ).toEqual([]);

      // The public bucket holds exactly what published rows name; nothing rejected, nothing orphaned.
      const named = new Set(
        media
          .filter((row) => row.status === 'READY' && row.nsfw_band === 0)
          .flatMap((row) => row.public_variants.map((variant) => variant.key)),
      );
      expect((await keysOf(endpoints, 'rastup-local-media-public', 'media/')).sort()).toEqual([...named].sort());
      for (const row of media.filter((item) => item.status === 'REJECTED' || item.status === 'FLAGGED'))
        expect(row.public_variants).toEqual([]);
      // Private copies too: every variant or original in the bucket is named by its row.
      const namedPrivate = new Set(
        media.flatMap((row) => [
          ...row.variants.map((variant) => variant.key),
          ...(row.original_key ? [row.original_key] : []),
        ]),
      );
      const privateKeys = [
        ...(await keysOf(endpoints, 'rastup-local-media-originals', 'variants/')),
        ...(await keysOf(endpoints, 'rastup-local-media-originals', `originals/${ids.provider}/`)),
      ];
      expect(privateKeys.filter((key) => !namedPrivate.has(key))).toEqual([]);
    },
  );
});
