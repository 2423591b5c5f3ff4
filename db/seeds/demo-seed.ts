/**
 * Local demo data for `npm start`: four synthetic accounts (admin, provider with two roles,
 * studio host, client) at the reserved `rastup.test` domain with known, LOCAL-ONLY passwords, two
 * published provider profiles and a published studio, each with generated images pushed through
 * the real media pipeline (presigned POST to s3rver → completeMediaUpload → moderation worker via
 * the outbox → publication to the public bucket).
 *
 * Everything goes through the domains' own services and repositories, so the rows are exactly
 * what the product would have written (completeness-gated publishing, outbox events, audit).
 *
 * Idempotent and respectful of edits: accounts are found by email and never changed once they
 * exist (a changed password stays changed); a listing is created when missing and finished only
 * while it has never been published, so a developer's later edits, unpublishing or deleted images
 * are never undone. It refuses to run unless STAGE is `local`; test stacks run it only on request.
 */
import sharp from 'sharp';
import { systemClock, type Clock } from '../../lambdas/core/clock.ts';
import { appendAudit } from '../../lambdas/core/db/audit-log.ts';
import type { Database } from '../../lambdas/core/db/database.ts';
import { enqueueEvent } from '../../lambdas/core/db/outbox.ts';
import { buildEvent } from '../../lambdas/core/events/catalog.ts';
import { newId } from '../../lambdas/core/ids.ts';
import type { Caller, Role } from '../../lambdas/core/identity.ts';
import { CURRENT_PRIVACY_VERSION, CURRENT_TERMS_VERSION } from '../../lambdas/auth/auth-deps.ts';
import { Argon2PasswordHasher, type PasswordHasher } from '../../lambdas/auth/password-hasher.ts';
import { normalisePassword } from '../../lambdas/auth/password-policy.ts';
import { UserRepository } from '../../lambdas/auth/user.repository.ts';
import type { MediaService } from '../../lambdas/media/media.service.ts';
import type { OwnerMediaView } from '../../lambdas/media/media.mapper.ts';
import type { ProfileService } from '../../lambdas/profiles/profile.service.ts';
import {
  createStudioArgs,
  saveProfileDraftArgs,
  saveStudioDraftArgs,
  type ProfileRole,
} from '../../lambdas/profiles/profiles.schemas.ts';
import type { StudioService } from '../../lambdas/profiles/studio.service.ts';
import { seedDemoBookings } from './demo-bookings.ts';

/** RFC 6761 reserves `.test`: these addresses can never reach a real mailbox. */
export const DEMO_EMAIL_DOMAIN = 'rastup.test';
export const DEMO_ACTOR = 'system:demo-seed';

export type DemoAccountKey = 'admin' | 'provider' | 'host' | 'client';

interface DemoAccountSpec {
  readonly key: DemoAccountKey;
  readonly email: string;
  /** Local-only. Long and unusual so they pass the password policy; never valid anywhere else. */
  readonly password: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
}

export const DEMO_ACCOUNTS: readonly DemoAccountSpec[] = [
  {
    key: 'admin',
    email: `admin@${DEMO_EMAIL_DOMAIN}`,
    password: 'local-demo-Admin-Quartz-7261',
    displayName: 'Ada Admin (demo)',
    roles: ['admin'],
  },
  {
    key: 'provider',
    email: `provider@${DEMO_EMAIL_DOMAIN}`,
    password: 'local-demo-Provider-Lantern-4830',
    displayName: 'Remy Lens (demo)',
    roles: ['provider'],
  },
  {
    key: 'host',
    email: `host@${DEMO_EMAIL_DOMAIN}`,
    password: 'local-demo-Host-Harbor-5917',
    displayName: 'Sol Studio (demo)',
    roles: ['host'],
  },
  {
    key: 'client',
    email: `client@${DEMO_EMAIL_DOMAIN}`,
    password: 'local-demo-Client-Meadow-3052',
    displayName: 'Casey Client (demo)',
    roles: ['client'],
  },
];

export const DEMO_STUDIO_SLUG = 'rastup-demo-daylight-loft';

export interface DemoListing {
  readonly kind: 'profile' | 'studio';
  readonly role?: ProfileRole;
  readonly id: string;
  readonly slug: string;
  readonly status: string;
  readonly publicUrl: string;
}

export interface DemoAccount {
  readonly key: DemoAccountKey;
  readonly userId: string;
  readonly email: string;
  readonly password: string;
  readonly roles: readonly string[];
  readonly listings: readonly DemoListing[];
}

export interface DemoSeedDeps {
  readonly db: Database;
  /** Must be 'local': the seed refuses any other stage. */
  readonly stage: string;
  readonly profiles: ProfileService;
  readonly studios: StudioService;
  readonly media: MediaService;
  /** Relays committed outbox rows now, so uploads reach the moderation worker and publisher. */
  readonly drainOutbox: () => Promise<number>;
  readonly clock?: Clock;
  readonly hasher?: PasswordHasher;
  readonly onProgress?: (message: string) => void;
  /** How long to wait for the pipeline to moderate and publish the images (default 60 s). */
  readonly mediaTimeoutMs?: number;
}

export interface DemoSeedResult {
  readonly accounts: readonly DemoAccount[];
  /** What this run created (empty on every start after the first). */
  readonly created: readonly string[];
}

function callerFor(userId: string, roles: readonly Role[], clock: Clock): Caller {
  // The services take the caller the edge would have built from a session token.
  return {
    kind: 'user',
    userId,
    roles,
    amr: ['pwd'],
    authTime: clock.nowSeconds(),
    sessionId: undefined,
    expiresAt: clock.nowSeconds() + 900,
  };
}

/** A photo-like synthetic image: a smooth two-colour gradient with soft "bokeh" discs, no text. */
export async function demoImage(seed: number, width = 960, height = 720): Promise<Buffer> {
  // Cool palettes only: warm, skin-like gradients make classifiers nervous (nsfwjs scores them "Porn").
  const palettes = [
    ['#a1c4fd', '#c2e9fb'],
    ['#84fab0', '#8fd3f4'],
    ['#e0c3fc', '#8ec5fc'],
    ['#43e97b', '#38f9d7'],
    ['#30cfd0', '#330867'],
    ['#667eea', '#764ba2'],
    ['#89f7fe', '#66a6ff'],
    ['#48c6ef', '#6f86d6'],
    ['#0ba360', '#3cba92'],
    ['#c1dfc4', '#deecdd'],
    ['#2b5876', '#4e4376'],
    ['#1e3c72', '#2a5298'],
  ] as const;
  const [from, to] = palettes[seed % palettes.length]!;
  let state = seed * 9301 + 49297;
  const random = () => (state = (state * 9301 + 49297) % 233280) / 233280;
  // Crisp geometry (panels, a horizon, window frames): blurry blobs read as skin to classifiers.
  const panels = Array.from({ length: 9 }, () => {
    const w = 60 + random() * 260;
    const h = 60 + random() * 260;
    return `<rect x="${(random() * (width - w)).toFixed(0)}" y="${(random() * (height - h)).toFixed(0)}" width="${w.toFixed(0)}" height="${h.toFixed(0)}" fill="none" stroke="#ffffff" stroke-opacity="0.7" stroke-width="6"/>`;
  }).join('');
  const lines = Array.from(
    { length: 12 },
    (_, index) =>
      `<line x1="0" y1="${(index * height) / 12}" x2="${width}" y2="${(index * height) / 12 + 40}" stroke="#0b1d3a" stroke-opacity="0.15" stroke-width="3"/>`,
  ).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>${lines}
    <rect x="0" y="${(height * 0.7).toFixed(0)}" width="${width}" height="${(height * 0.3).toFixed(0)}" fill="#0b1d3a" fill-opacity="0.35"/>${panels}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

interface ListingPlan {
  readonly images: readonly { readonly seed: number; readonly alt: string }[];
}

const PROVIDER_PROFILES: readonly (ListingPlan & {
  role: ProfileRole;
  displayName: string;
  patch: Record<string, unknown>;
})[] = [
  {
    role: 'PHOTOGRAPHER',
    displayName: 'Remy Lens',
    patch: {
      headline: 'Portraits, headshots and small events in New York',
      bio: 'Demo photographer (synthetic data). Natural-light portraits, studio headshots and small events; calm direction, fast turnaround and a relaxed set.',
      city: 'us-nyc',
      tags: ['portrait', 'headshot', 'events', 'editorial'],
      languages: ['English', 'Spanish'],
      priceMinCents: 25_000,
      priceMaxCents: 120_000,
      packages: [
        {
          name: 'Headshot session',
          durationMinutes: 60,
          priceCents: 25_000,
          extras: ['3 retouched images', 'online gallery'],
        },
        { name: 'Half-day event', durationMinutes: 240, priceCents: 90_000, extras: ['150+ edited images'] },
      ],
      cancellationPolicy: 'Free cancellation until 48 hours before the session; 50% after that.',
      reschedulePolicy: 'One free reschedule up to 24 hours before.',
      availability: { mon: ['09:00-17:00'], wed: ['09:00-17:00'], fri: ['10:00-18:00'], sat: ['10:00-14:00'] },
    },
    images: [
      { seed: 1, alt: 'Warm-toned portrait backdrop (demo image)' },
      { seed: 2, alt: 'Soft blue studio light (demo image)' },
      { seed: 3, alt: 'Outdoor greenery bokeh (demo image)' },
      { seed: 4, alt: 'Evening event lights (demo image)' },
    ],
  },
  {
    role: 'MODEL',
    displayName: 'Remy Lens',
    patch: {
      headline: 'Commercial and lifestyle model',
      bio: 'Demo model profile (synthetic data). Lifestyle, commercial and e-commerce shoots; comfortable on set and on location, with a quick wardrobe turnaround.',
      city: 'us-nyc',
      tags: ['commercial', 'lifestyle', 'e-commerce'],
      languages: ['English'],
      priceMinCents: 30_000,
      priceMaxCents: 150_000,
      packages: [{ name: 'Half-day shoot', durationMinutes: 240, priceCents: 60_000, extras: ['two looks'] }],
      cancellationPolicy: 'Free cancellation until 72 hours before the shoot.',
      reschedulePolicy: 'Free reschedule up to 48 hours before.',
      availability: { tue: ['10:00-18:00'], thu: ['10:00-18:00'] },
    },
    images: [
      { seed: 5, alt: 'Lavender set backdrop (demo image)' },
      { seed: 6, alt: 'Bright minimal set (demo image)' },
      { seed: 7, alt: 'Green screen-style wash (demo image)' },
    ],
  },
];

const STUDIO: ListingPlan & { name: string; patch: Record<string, unknown> } = {
  name: 'Daylight Loft (demo)',
  patch: {
    description:
      'Demo studio (synthetic data). A 1,200 sq ft daylight loft with north-facing windows, a white cyclorama, a makeup station and free Wi-Fi.',
    city: 'us-nyc',
    addressLine1: '1 Example Street',
    postalCode: '10001',
    amenities: ['daylight', 'cyclorama', 'makeup-station', 'wifi'],
    hourlyMinCents: 8_000,
    hourlyMaxCents: 15_000,
    depositCents: 20_000,
    availability: {
      mon: ['08:00-20:00'],
      tue: ['08:00-20:00'],
      wed: ['08:00-20:00'],
      thu: ['08:00-20:00'],
      fri: ['08:00-20:00'],
      sat: ['09:00-18:00'],
    },
  },
  images: [
    { seed: 8, alt: 'Loft at golden hour (demo image)' },
    { seed: 9, alt: 'Loft cyclorama wall (demo image)' },
    { seed: 10, alt: 'Loft lounge corner (demo image)' },
  ],
};

/** A browser-style multipart POST to the presigned URL: the policy fields, then the file. */
async function postToPresigned(upload: { url: string; fields: Record<string, string> }, body: Buffer): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(body)], { type: 'image/jpeg' }), 'demo.jpg');
  const response = await fetch(upload.url, { method: 'POST', body: form });
  await response.arrayBuffer();
  if (response.status >= 300) throw new Error(`demo seed: presigned upload answered ${response.status}`);
}

export async function seedDemo(deps: DemoSeedDeps): Promise<DemoSeedResult> {
  if (deps.stage !== 'local')
    throw new Error(`The demo seed runs only when STAGE is local (STAGE is ${deps.stage || 'unset'})`);
  const clock = deps.clock ?? systemClock;
  const hasher = deps.hasher ?? new Argon2PasswordHasher();
  const progress = deps.onProgress ?? (() => undefined);
  const created: string[] = [];

  // Accounts ------------------------------------------------------------------------------------
  const users = new Map<DemoAccountKey, { id: string; roles: readonly Role[] }>();
  for (const spec of DEMO_ACCOUNTS) {
    const existing = await new UserRepository(deps.db).byEmail(spec.email);
    if (existing) {
      users.set(spec.key, { id: existing.id, roles: existing.roles });
      continue;
    }
    const passwordHash = await hasher.hash(normalisePassword(spec.password));
    const id = await deps.db.transaction(async (tx) => {
      const now = clock.now();
      const userId = newId('user');
      // ON CONFLICT DO NOTHING: a concurrent start that won the race keeps its row.
      if (
        !(await new UserRepository(tx).insert({
          id: userId,
          email: spec.email,
          passwordHash,
          roles: spec.roles,
          emailVerifiedAt: now,
          displayName: spec.displayName,
          now,
        }))
      )
        return null;
      for (const kind of ['terms', 'privacy', 'marketing'] as const) {
        await new UserRepository(tx).recordConsent({
          userId,
          kind,
          version: kind === 'terms' ? CURRENT_TERMS_VERSION : CURRENT_PRIVACY_VERSION,
          granted: kind !== 'marketing',
          ip: null,
          userAgent: 'demo-seed',
          now,
        });
      }
      await appendAudit(
        tx,
        {
          actor: DEMO_ACTOR,
          action: 'auth.signup',
          subject: userId,
          details: { method: 'demo-seed', roles: [...spec.roles], emailVerified: true },
        },
        now,
      );
      await enqueueEvent(tx, buildEvent('user.registered', { userId, method: 'demo-seed', role: spec.roles[0] }));
      return userId;
    });
    const row = id
      ? { id, roles: spec.roles }
      : await new UserRepository(deps.db)
          .byEmail(spec.email)
          .then((user) => user && { id: user.id, roles: user.roles });
    if (!row) throw new Error(`demo seed: could not create ${spec.email}`);
    users.set(spec.key, row);
    if (id) created.push(`account ${spec.key}`);
  }

  const caller = (key: DemoAccountKey) => {
    const user = users.get(key)!;
    return callerFor(user.id, user.roles, clock);
  };

  // Images: uploads first for every listing, then one wait, so the worker moderates them in one go.
  const pending: { caller: Caller; ids: string[]; finish: () => Promise<void> }[] = [];
  const upload = async (
    who: Caller,
    ownerType: 'PROFILE' | 'STUDIO',
    ownerId: string,
    plan: ListingPlan,
  ): Promise<string[]> => {
    const ids: string[] = [];
    for (const image of plan.images) {
      const body = await demoImage(image.seed);
      const { media, upload: target } = await deps.media.requestUpload(who, {
        ownerType,
        ownerId,
        contentType: 'image/jpeg',
        sizeBytes: body.length,
        alt: image.alt,
      });
      await postToPresigned(target, body);
      await deps.media.completeUpload(who, media.id);
      ids.push(media.id);
    }
    return ids;
  };

  // Provider profiles ---------------------------------------------------------------------------
  const provider = caller('provider');
  for (const plan of PROVIDER_PROFILES) {
    let profile = (await deps.profiles.myProfiles(provider)).find((item) => item.role === plan.role);
    if (!profile) {
      profile = await deps.profiles.create(provider, { role: plan.role, displayName: plan.displayName });
      created.push(`${plan.role} profile`);
    }
    if (profile.publishedAt) continue; // published once: from now on it is the developer's
    if (profile.version === 1) {
      const { input } = saveProfileDraftArgs.parse({
        input: { profileId: profile.id, expectedVersion: profile.version, patch: plan.patch },
      });
      profile = await deps.profiles.saveDraft(provider, input);
    }
    const profileId = profile.id;
    const ids = profile.portfolio.length ? [] : await upload(provider, 'PROFILE', profileId, plan);
    pending.push({
      caller: provider,
      ids,
      finish: async () => {
        if (ids[0]) await deps.media.setCover(provider, ids[0]);
        await deps.profiles.publish(provider, profileId);
      },
    });
  }

  // Studio --------------------------------------------------------------------------------------
  const host = caller('host');
  let studio = (await deps.studios.myStudios(host)).find((item) => item.slug === DEMO_STUDIO_SLUG);
  if (!studio) {
    studio = await deps.studios.create(
      host,
      createStudioArgs.parse({ input: { name: STUDIO.name, slug: DEMO_STUDIO_SLUG } }).input,
    );
    created.push('studio');
  }
  if (!studio.publishedAt) {
    if (studio.version === 1) {
      const { input } = saveStudioDraftArgs.parse({
        input: { studioId: studio.id, expectedVersion: studio.version, patch: STUDIO.patch },
      });
      studio = await deps.studios.saveDraft(host, input);
    }
    const studioId = studio.id;
    const ids = studio.photos.length ? [] : await upload(host, 'STUDIO', studioId, STUDIO);
    pending.push({
      caller: host,
      ids,
      finish: async () => {
        if (ids[0]) await deps.media.setCover(host, ids[0]);
        await deps.studios.publish(host, studioId);
      },
    });
  }

  // The pipeline: relay media.uploaded → worker → media.publishable → publisher, until every image
  // is moderated and copied to the public bucket.
  const all = pending.flatMap((item) => item.ids.map((id) => ({ caller: item.caller, id })));
  if (all.length) {
    progress(`moderating and publishing ${all.length} demo images (first start only)`);
    const deadline = clock.nowMs() + (deps.mediaTimeoutMs ?? 60_000);
    for (;;) {
      await deps.drainOutbox();
      const items: OwnerMediaView[] = await Promise.all(all.map((item) => deps.media.myMedia(item.caller, item.id)));
      const stuck = items.find((item) => ['FLAGGED', 'FAILED', 'REJECTED', 'DELETED'].includes(item.status));
      if (stuck)
        throw new Error(
          `demo seed: image ${stuck.id} ended ${stuck.status} (band ${stuck.nsfwBand}); the generated images must classify as safe`,
        );
      if (items.every((item) => item.status === 'PUBLISHED')) break;
      if (clock.nowMs() > deadline) throw new Error('demo seed: images were not moderated and published in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  for (const item of pending) await item.finish();
  await deps.drainOutbox();

  // What the banner and endpoints.json show -----------------------------------------------------
  const accounts: DemoAccount[] = [];
  for (const spec of DEMO_ACCOUNTS) {
    const user = users.get(spec.key)!;
    const who = callerFor(user.id, user.roles, clock);
    const listings: DemoListing[] = [];
    if (spec.key === 'provider') {
      for (const profile of await deps.profiles.myProfiles(who))
        listings.push({
          kind: 'profile',
          role: profile.role,
          id: profile.id,
          slug: profile.slug,
          status: profile.status,
          publicUrl: profile.publicUrl,
        });
    }
    if (spec.key === 'host') {
      for (const item of await deps.studios.myStudios(who))
        listings.push({ kind: 'studio', id: item.id, slug: item.slug, status: item.status, publicUrl: item.publicUrl });
    }
    accounts.push({
      key: spec.key,
      userId: user.id,
      email: spec.email,
      password: spec.password,
      roles: [...user.roles],
      listings,
    });
  }
  // Availability for the provider and the studio, and one confirmed booking (issue #11).
  created.push(...(await seedDemoBookings(deps.db, accounts, clock)));
  await deps.drainOutbox();
  return { accounts, created };
}
