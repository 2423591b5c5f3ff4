/**
 * StudioService (and the ListingWorkflow it shares with profiles) with the real service and
 * in-memory fakes of the profiles repositories, media's catalog, platform's city directory and the
 * kernel: ownership (others' and malformed ids are NOT_FOUND), autosave under optimistic
 * concurrency, field rules, step gating, the publish rules and what each change announces.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from '../core/errors.ts';
import type { UserCaller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { MediaCatalog, MediaRow } from '../media/index.ts';
import type { CityDirectory } from '../platform/index.ts';
import type { NotificationStore } from './notification.repository.ts';
import type { ProfileStore } from './profile.repository.ts';
import { PreconditionFailedError } from './profiles.errors.ts';
import type { StudioRow, StudioStore } from './studio.repository.ts';
import { StudioService } from './studio.service.ts';
import type { VerificationStore } from './verification.repository.ts';
import type { PageEvictionStore } from './page-eviction.repository.ts';

type StudioId = `std_${string}`;

const OWNER = newId('user');
const STRANGER = newId('user');
const NOW = Date.UTC(2026, 0, 1);
const COLUMNS: Record<string, keyof StudioRow> = {
  name: 'name',
  description: 'description',
  city: 'city_code',
  addressLine1: 'address_line1',
  postalCode: 'postal_code',
  amenities: 'amenities',
  hourlyMinCents: 'hourly_min_cents',
  hourlyMaxCents: 'hourly_max_cents',
  depositCents: 'deposit_cents',
};

/** Studios in a map with the repository's contract: owner-scoped reads, versioned drafts, unique slugs. */
class InMemoryStudios {
  readonly rows = new Map<string, StudioRow>();
  store(): StudioStore {
    return fake<StudioStore>('studios', {
      insert: async ({ id, ownerUserId, slug, name }) => {
        if ([...this.rows.values()].some((row) => row.slug === slug))
          throw new ConflictError('That studio address is taken', 'STUDIO.SLUG_TAKEN');
        const row: StudioRow = {
          id,
          owner_user_id: ownerUserId,
          slug,
          status: 'DRAFT',
          owner_status: 'ACTIVE',
          name,
          description: null,
          city_code: null,
          address_line1: null,
          address_line2: null,
          postal_code: null,
          contact_email: null,
          contact_phone: null,
          amenities: [],
          hourly_min_cents: null,
          hourly_max_cents: null,
          deposit_cents: null,
          currency: 'USD',
          availability: null,
          instant_book: false,
          completed_steps: [],
          version: 1,
          published_at: null,
          updated_at: new Date(NOW),
        };
        this.rows.set(id, row);
        return row;
      },
      listOwned: async (userId) => [...this.rows.values()].filter((row) => row.owner_user_id === userId),
      findOwned: async (id, userId) => {
        const row = this.rows.get(id);
        return row && row.owner_user_id === userId && row.owner_status === 'ACTIVE' ? row : null;
      },
      saveDraft: async ({ id, ownerUserId, expectedVersion, patch, extra }) => {
        const row = this.rows.get(id);
        if (!row || row.owner_user_id !== ownerUserId || row.version !== expectedVersion) return null;
        const next: StudioRow = { ...row, version: row.version + 1 };
        for (const [key, value] of Object.entries(patch)) Object.assign(next, { [COLUMNS[key]!]: value });
        if (extra?.completed_steps) next.completed_steps = extra.completed_steps as string[];
        this.rows.set(id, next);
        return next;
      },
      setStatus: async (id, status) => {
        const row = this.rows.get(id)!;
        const next: StudioRow = {
          ...row,
          status,
          version: row.version + 1,
          published_at: status === 'PUBLISHED' ? new Date(NOW) : row.published_at,
        };
        this.rows.set(id, next);
        return next;
      },
    });
  }
}

function safeImage(ownerId: string): MediaRow {
  return {
    id: newId('media'),
    owner_user_id: OWNER,
    owner_type: 'STUDIO',
    owner_id: ownerId,
    status: 'READY',
    declared_content_type: 'image/jpeg',
    declared_size_bytes: 1000,
    detected_content_type: 'image/jpeg',
    size_bytes: 1000,
    incoming_key: 'incoming/x',
    original_key: 'originals/x',
    crop: null,
    alt_text: 'The studio',
    width: 100,
    height: 100,
    nsfw_band: 0,
    variants: [],
    public_variants: [],
    sort_order: 0,
    is_cover: true,
    upload_expires_at: new Date(NOW),
    created_at: new Date(NOW),
  };
}

function setup() {
  const studios = new InMemoryStudios();
  const media: MediaRow[] = [];
  const db = fakeUnitOfWork({
    studios: studios.store(),
    profiles: fake<ProfileStore>('profiles'),
    notifications: fake<NotificationStore>('notifications'),
    verifications: fake<VerificationStore>('verifications', { latest: async () => null }),
    pageEvictions: fake<PageEvictionStore>('page evictions'),
    media: fake<MediaCatalog>('media catalog', {
      listByOwner: async (_type, ownerId) => media.filter((row) => row.owner_id === ownerId),
    }),
    cities: fake<CityDirectory>('cities', { cityExists: async (code) => code === 'us-nyc' }),
  });
  const settings = { webBaseUrl: 'https://rastup.test', mediaPublicBaseUrl: 'https://cdn.test' };
  const evicted: string[] = [];
  // The first eviction fails: the owner's write still succeeds (the listing event's consumer evicts again).
  let failNext = true;
  const pages = {
    evict: async (kind: string, slug: string) => {
      if (failNext) {
        failNext = false;
        throw new Error('AppSync unreachable');
      }
      evicted.push(`${kind}:${slug}`);
    },
  };
  const service = new StudioService(db, settings, pages, createLogger({ service: 'test' }));
  return { studios, media, db, service, evicted };
}

const user = (userId: string): UserCaller => ({
  kind: 'user',
  userId,
  roles: ['host'],
  amr: ['pwd'],
  authTime: NOW / 1000,
  sessionId: 'ses_1',
  expiresAt: NOW / 1000 + 900,
});

const complete = {
  name: 'Loft 9',
  description: 'A bright daylight loft with a cyclorama wall, blackout curtains, a dressing room and free parking.',
  city: 'us-nyc',
  addressLine1: '9 Canal St',
  postalCode: '10013',
  amenities: ['cyc wall', 'parking', 'dressing room'],
  hourlyMinCents: 5000,
  hourlyMaxCents: 9000,
  depositCents: 10000,
};

describe('StudioService.create', () => {
  it('creates a DRAFT studio owned by the caller, inside a transaction', async () => {
    const { service, db } = setup();
    const view = await service.create(user(OWNER), { name: 'Loft 9', slug: 'loft-9' });
    expect(view).toMatchObject({ slug: 'loft-9', status: 'DRAFT', version: 1, name: 'Loft 9' });
    expect(view.publicUrl).toBe('https://rastup.test/studios/loft-9');
    expect(view.onboarding.currentStep).toBe('BASICS');
    expect(db.transactions).toBe(1);
  });

  it('refuses the anonymous, and an erased account (its token outlives it) as NOT_FOUND', async () => {
    const { service, db, studios } = setup();
    await expect(service.create({ kind: 'anonymous' }, { name: 'x', slug: 'x' })).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
    db.kernel.erased.add(OWNER);
    await expect(service.create(user(OWNER), { name: 'x', slug: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    expect(studios.rows.size).toBe(0);
  });
});

describe('StudioService.saveDraft', () => {
  it('saves a patch under the expected version and bumps it; a stale version is a conflict naming the current one', async () => {
    const { service } = setup();
    const id = (await service.create(user(OWNER), { name: 'Loft 9', slug: 'loft-9' })).id as StudioId;
    const saved = await service.saveDraft(user(OWNER), {
      studioId: id,
      expectedVersion: 1,
      patch: { name: 'Loft Nine' },
    });
    expect(saved).toMatchObject({ name: 'Loft Nine', version: 2 });
    const stale = service.saveDraft(user(OWNER), { studioId: id, expectedVersion: 1, patch: { name: 'Old tab' } });
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toMatchObject({ code: 'STUDIO.VERSION_CONFLICT', details: { currentVersion: 2 } });
  });

  it("answers NOT_FOUND for another person's studio and for a malformed id, and writes nothing", async () => {
    const { service, studios } = setup();
    const id = (await service.create(user(OWNER), { name: 'Loft 9', slug: 'loft-9' })).id as StudioId;
    for (const studioId of [id, 'std_nope'] as StudioId[]) {
      await expect(
        service.saveDraft(user(STRANGER), { studioId, expectedVersion: 1, patch: { name: 'Mine now' } }),
      ).rejects.toBeInstanceOf(NotFoundError);
    }
    expect(studios.rows.get(id)!.name).toBe('Loft 9');
  });

  it('refuses an unknown city and a price range whose minimum exceeds its maximum', async () => {
    const { service, studios } = setup();
    const id = (await service.create(user(OWNER), { name: 'Loft 9', slug: 'loft-9' })).id as StudioId;
    await expect(
      service.saveDraft(user(OWNER), { studioId: id, expectedVersion: 1, patch: { city: 'xx-nowhere' } }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      service.saveDraft(user(OWNER), {
        studioId: id,
        expectedVersion: 1,
        patch: { hourlyMinCents: 9000, hourlyMaxCents: 5000 },
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(studios.rows.get(id)!.version).toBe(1);
  });

  it('keeps later wizard steps locked until the earlier ones are complete', async () => {
    const { service } = setup();
    const id = (await service.create(user(OWNER), { name: 'Loft 9', slug: 'loft-9' })).id as StudioId;
    await expect(
      service.saveDraft(user(OWNER), { studioId: id, expectedVersion: 1, step: 'PRICING', patch: { depositCents: 1 } }),
    ).rejects.toMatchObject({ code: 'ONBOARDING.STEP_LOCKED' });
    await expect(service.completeStep(user(OWNER), { id, step: 'BASICS', expectedVersion: 1 })).rejects.toMatchObject({
      code: 'ONBOARDING.STEP_INCOMPLETE',
    });
  });
});

describe('StudioService.publish / unpublish', () => {
  it('refuses to publish without an approved photo, naming what is missing, and announces nothing', async () => {
    const { service, db } = setup();
    const id = (await service.create(user(OWNER), { name: 'Loft 9', slug: 'loft-9' })).id as StudioId;
    await service.saveDraft(user(OWNER), { studioId: id, expectedVersion: 1, patch: complete });
    const refused = service.publish(user(OWNER), id);
    await expect(refused).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(refused).rejects.toMatchObject({
      code: 'STUDIO.NOT_READY_TO_PUBLISH',
      details: { missingSteps: ['PHOTOS'], approvedImages: 0 },
    });
    expect(db.kernel.eventTypes()).toEqual([]);
  });

  it('publishes a complete studio with a safe photo once (records the steps), then unpublishes it', async () => {
    const { service, db, media, studios, evicted } = setup();
    const id = (await service.create(user(OWNER), { name: 'Loft 9', slug: 'loft-9' })).id as StudioId;
    // The first write's eviction fails (setup): the save still answers.
    await service.saveDraft(user(OWNER), { studioId: id, expectedVersion: 1, patch: complete });
    media.push(safeImage(id));
    const published = await service.publish(user(OWNER), id);
    expect(published.status).toBe('PUBLISHED');
    expect(studios.rows.get(id)!.completed_steps).toEqual(['BASICS', 'LOCATION', 'PHOTOS', 'PRICING']);
    // Publishing again changes nothing and announces nothing.
    await service.publish(user(OWNER), id);
    expect(db.kernel.eventTypes()).toEqual(['studio.published']);
    expect(db.kernel.events[0]!.payload).toMatchObject({ studioId: id, slug: 'loft-9', city: 'us-nyc' });

    // An edit to a published studio is announced so the index follows it.
    await service.saveDraft(user(OWNER), { studioId: id, expectedVersion: published.version, patch: { name: 'L9' } });
    expect(db.kernel.eventTypes()).toEqual(['studio.published', 'studio.updated']);

    expect((await service.unpublish(user(OWNER), id)).status).toBe('UNPUBLISHED');
    await service.unpublish(user(OWNER), id);
    expect(db.kernel.eventTypes()).toEqual(['studio.published', 'studio.updated', 'studio.unpublished']);
    await expect(service.publish(user(STRANGER), id)).rejects.toBeInstanceOf(NotFoundError);
    // Every committed owner write evicted the cached public page right away (the failed first one aside).
    expect(evicted.length).toBeGreaterThanOrEqual(4);
    expect(new Set(evicted)).toEqual(new Set(['STUDIO:loft-9']));
  });
});
