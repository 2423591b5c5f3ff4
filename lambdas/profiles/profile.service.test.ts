/**
 * ProfileService's own rules (the wizard it shares with studios is covered in
 * studio.service.test.ts) and the account-erasure consumer, with the real services and in-memory
 * fakes of the profiles repositories, media's catalog, platform's cities and the kernel: one
 * profile per role, slug collisions retried, Instant Book eligibility, media changes re-announcing
 * published profiles exactly once per event, and erasure unpublishing what was public.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { newDomainEvent } from '../core/events/catalog.ts';
import type { UserCaller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import { fake, fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { MediaCatalog } from '../media/index.ts';
import type { CityDirectory } from '../platform/index.ts';
import type { NotificationStore } from './notification.repository.ts';
import { OwnerErasureService } from './owner-erasure.service.ts';
import { erasedSlug } from './erased-slug.ts';
import type { ProfileRow, ProfileStore } from './profile.repository.ts';
import { ProfileService } from './profile.service.ts';
import { PreconditionFailedError } from './profiles.errors.ts';
import type { StudioRow, StudioStore } from './studio.repository.ts';
import type { VerificationStore } from './verification.repository.ts';
import type { PageEvictionStore } from './page-eviction.repository.ts';

const OWNER = newId('user');
const NOW = Date.UTC(2026, 0, 1);

const uniqueViolation = (constraint: string) =>
  Object.assign(new Error('duplicate key'), { code: '23505', constraint });

function profileRow(overrides: Partial<ProfileRow> = {}): ProfileRow {
  return {
    id: newId('profile'),
    owner_user_id: OWNER,
    role: 'PHOTOGRAPHER',
    slug: `pat-${Math.random().toString(16).slice(2, 8)}`,
    status: 'DRAFT',
    owner_status: 'ACTIVE',
    display_name: 'Pat',
    headline: null,
    bio: null,
    tags: [],
    city_code: 'us-lax',
    price_min_cents: null,
    price_max_cents: null,
    currency: 'USD',
    languages: [],
    links: [],
    packages: [],
    cancellation_policy: null,
    reschedule_policy: null,
    availability: null,
    contact_email: null,
    contact_phone: null,
    instant_book: false,
    completed_steps: [],
    version: 1,
    published_at: null,
    updated_at: new Date(NOW),
    ...overrides,
  };
}

function setup(insert?: ProfileStore['insert']) {
  const rows = new Map<string, ProfileRow>();
  const slugs: string[] = [];
  const erasedStudios: (StudioRow & { previous_status: string; previous_slug: string })[] = [];
  const disabled: string[] = [];
  const publishedStudios = new Map<string, StudioRow>();
  const pendingEvictions: string[] = [];
  const profiles = fake<ProfileStore>('profiles', {
    insert:
      insert ??
      (async (input) => {
        slugs.push(input.slug);
        const row = profileRow({
          id: input.id,
          slug: input.slug,
          role: input.role as ProfileRow['role'],
          display_name: input.displayName,
        });
        rows.set(row.id, row);
        return row;
      }),
    findOwned: async (id, userId) => {
      const row = rows.get(id);
      return row && row.owner_user_id === userId && row.owner_status === 'ACTIVE' ? row : null;
    },
    ownerOf: async (id) => rows.get(id)?.owner_user_id ?? null,
    setInstantBook: async (id, enabled) => {
      const row = { ...rows.get(id)!, instant_book: enabled, version: rows.get(id)!.version + 1 };
      rows.set(id, row);
      return row;
    },
    findPublicPage: async (slug) => {
      const row = [...rows.values()].find(
        (item) => item.slug === slug && item.status === 'PUBLISHED' && item.owner_status === 'ACTIVE',
      );
      return row ? { row, roles: [row.role], city: null, verified: false, media: [] } : null;
    },
    eraseOwner: async (userId) => {
      const erased = [...rows.values()].filter((row) => row.owner_user_id === userId && row.owner_status === 'ACTIVE');
      const after = erased.map((row) => ({
        ...row,
        owner_status: 'ERASED' as const,
        status: 'UNPUBLISHED' as const,
        slug: erasedSlug(row.id),
        display_name: null,
      }));
      for (const row of after) rows.set(row.id, row);
      return after.map((row, i) => ({ ...row, previous_status: erased[i]!.status, previous_slug: erased[i]!.slug }));
    },
  });
  const db = fakeUnitOfWork({
    profiles,
    pageEvictions: fake<PageEvictionStore>('page evictions', {
      record: async (kind, listingId, slug) => void pendingEvictions.push(`${kind}:${listingId}:${slug}`),
    }),
    studios: fake<StudioStore>('studios', {
      eraseOwner: async () => erasedStudios.splice(0),
      findPublished: async (id) => publishedStudios.get(id) ?? null,
    }),
    notifications: fake<NotificationStore>('notifications', {
      disableAll: async (userId) => void disabled.push(userId),
    }),
    verifications: fake<VerificationStore>('verifications', { latest: async () => null }),
    media: fake<MediaCatalog>('media catalog', { listByOwner: async () => [] }),
    cities: fake<CityDirectory>('cities', { cityExists: async () => true }),
  });
  const settings = {
    webBaseUrl: 'https://rastup.test',
    mediaPublicBaseUrl: 'https://cdn.test',
  };
  const evicted: string[] = [];
  const pages = { evict: async (kind: string, slug: string) => void evicted.push(`${kind}:${slug}`) };
  const service = new ProfileService(db, settings, new ManualClock(NOW), pages, createLogger({ service: 'test' }));
  const forgotten: string[] = [];
  const scrubbed: { aggregateType: string; id: string; slug: string }[] = [];
  const erasure = new OwnerErasureService(
    db,
    createLogger({ service: 'test' }),
    async ({ profiles: p, studios: s }) => void forgotten.push(...p, ...s),
    async (_tx, listings) => {
      scrubbed.push(...listings);
      return listings.length;
    },
  );
  return {
    rows,
    slugs,
    db,
    service,
    erasure,
    erasedStudios,
    disabled,
    forgotten,
    scrubbed,
    evicted,
    publishedStudios,
    pendingEvictions,
  };
}

const user = (userId: string): UserCaller => ({
  kind: 'user',
  userId,
  roles: ['provider'],
  amr: ['pwd'],
  authTime: NOW / 1000,
  sessionId: 'ses_1',
  expiresAt: NOW / 1000 + 900,
});

describe('ProfileService.create', () => {
  it('slugs the display name with a random suffix and starts a DRAFT at the first wizard step', async () => {
    const { service, slugs } = setup();
    const view = await service.create(user(OWNER), { role: 'PHOTOGRAPHER', displayName: 'Zoë Ångström' });
    expect(view).toMatchObject({ status: 'DRAFT', version: 1 });
    expect(slugs[0]).toMatch(/^zoe-angstrom-[0-9a-f]{6}$/);
    expect(view.onboarding.currentStep).toBe('BASICS');
  });

  it('retries a slug collision with a new suffix, and refuses a second profile of the same role', async () => {
    let attempts = 0;
    const tried: string[] = [];
    const { service } = setup(async (input) => {
      tried.push(input.slug);
      if (++attempts < 3) throw uniqueViolation('service_profiles_slug_key');
      return profileRow({ id: input.id, slug: input.slug });
    });
    await service.create(user(OWNER), { role: 'MODEL' });
    expect(tried).toHaveLength(3);
    expect(new Set(tried).size).toBe(3);
    expect(tried[0]).toMatch(/^model-[0-9a-f]{6}$/);

    const taken = setup(async () => {
      throw uniqueViolation('service_profiles_owner_user_id_role_key');
    });
    await expect(taken.service.create(user(OWNER), { role: 'MODEL' })).rejects.toMatchObject({
      code: 'PROFILE.ROLE_EXISTS',
    });
    const exhausted = setup(async () => {
      throw uniqueViolation('service_profiles_slug_key');
    });
    await expect(exhausted.service.create(user(OWNER), { role: 'MODEL' })).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('ProfileService.setInstantBook', () => {
  it('refuses to enable Instant Book on an ineligible profile, names the blockers, and changes nothing', async () => {
    const { service, rows, db } = setup();
    const { id } = await service.create(user(OWNER), { role: 'PHOTOGRAPHER', displayName: 'Pat' });
    const refused = service.setInstantBook(user(OWNER), id, true);
    await expect(refused).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(refused).rejects.toMatchObject({ code: 'PROFILE.INSTANT_BOOK_INELIGIBLE' });
    expect(rows.get(id)!.instant_book).toBe(false);
    // Turning it off needs no eligibility; a draft's change is not announced.
    expect((await service.setInstantBook(user(OWNER), id, false)).instantBook).toBe(false);
    expect(db.kernel.eventTypes()).toEqual([]);
    await expect(service.setInstantBook(user(newId('user')), id, false)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('ProfileService.onMediaChanged', () => {
  it('re-announces a published profile once per event, and ignores drafts and studio media', async () => {
    const { service, rows, db } = setup();
    const published = profileRow({ status: 'PUBLISHED' });
    const draft = profileRow({ role: 'MODEL' });
    rows.set(published.id, published);
    rows.set(draft.id, draft);
    const changed = (ownerId: string, ownerType: 'PROFILE' | 'STUDIO' = 'PROFILE') =>
      newDomainEvent('media.cover_changed', { mediaId: newId('media'), ownerType, ownerId });
    const event = changed(published.id);
    await service.onMediaChanged(event);
    await service.onMediaChanged(event); // redelivery
    await service.onMediaChanged(changed(draft.id));
    await service.onMediaChanged(changed(newId('studio'), 'STUDIO'));
    expect(db.kernel.eventTypes()).toEqual(['profile.updated']);
    expect(db.kernel.events[0]!.payload).toMatchObject({ profileId: published.id, reason: 'media.cover_changed' });
  });

  it('re-announces a published studio when its media change (its page shows them), once per event', async () => {
    const { service, db, publishedStudios } = setup();
    const studioId = newId('studio');
    publishedStudios.set(studioId, { id: studioId, slug: 'loft-2', city_code: 'us-nyc', version: 7 } as StudioRow);
    const event = newDomainEvent('media.deleted', {
      mediaId: newId('media'),
      ownerType: 'STUDIO',
      ownerId: studioId,
      reason: 'owner',
    });
    await service.onMediaChanged(event);
    await service.onMediaChanged(event); // redelivery
    await service.onMediaChanged(
      newDomainEvent('media.deleted', {
        mediaId: newId('media'),
        ownerType: 'STUDIO',
        ownerId: newId('studio'),
        reason: 'owner',
      }),
    );
    expect(db.kernel.eventTypes()).toEqual(['studio.updated']);
    expect(db.kernel.events[0]!.payload).toEqual({ studioId, slug: 'loft-2', city: 'us-nyc', version: 7 });
  });
});

describe('OwnerErasureService.onUserDeleted', () => {
  it('marks the account erased, unpublishes what was public, stops mail, forgets cached pages; once per event', async () => {
    const { erasure, rows, db, erasedStudios, disabled, forgotten, scrubbed, pendingEvictions } = setup();
    const published = profileRow({ status: 'PUBLISHED' });
    const draft = profileRow({ role: 'MODEL' });
    rows.set(published.id, published);
    rows.set(draft.id, draft);
    const studio = {
      id: newId('studio'),
      slug: '',
      city_code: 'us-nyc',
      version: 4,
      previous_status: 'PUBLISHED',
      previous_slug: 'loft-9',
    };
    studio.slug = erasedSlug(studio.id);
    erasedStudios.push(studio as StudioRow & { previous_status: string; previous_slug: string });
    const event = newDomainEvent('user.deleted', { userId: OWNER, deletedAt: new Date(NOW).toISOString() });

    await erasure.onUserDeleted(event);
    await erasure.onUserDeleted(event); // redelivery: the inbox refuses it

    expect(db.kernel.erased.has(OWNER)).toBe(true);
    expect([...rows.values()].every((row) => row.owner_status === 'ERASED')).toBe(true);
    expect(db.kernel.eventTypes()).toEqual(['profile.unpublished', 'studio.unpublished']);
    expect(db.kernel.events[0]!.payload).toMatchObject({ profileId: published.id, reason: 'account_deleted' });
    expect(db.kernel.events[1]!.payload).toMatchObject({ studioId: studio.id, reason: 'account_deleted' });
    expect(disabled).toEqual([OWNER]);
    expect(forgotten).toEqual(expect.arrayContaining([published.slug, draft.slug, 'loft-9']));
    // The published pages' former slugs, recorded in the transaction for the reliable eviction (not the draft's).
    expect(pendingEvictions).toEqual([`PROFILE:${published.id}:${published.slug}`, `STUDIO:${studio.id}:loft-9`]);
    // No name left behind: the events carry the slug built from the id, not the one built from the name.
    expect(db.kernel.events[0]!.payload.slug).toBe(erasedSlug(published.id));
    expect(db.kernel.events[1]!.payload.slug).toBe(erasedSlug(studio.id));
    expect(JSON.stringify(db.kernel.events)).not.toContain(published.slug);
    // The listing events already in the outbox get the erased slugs too, once (the redelivery did nothing).
    expect(scrubbed).toEqual([
      { aggregateType: 'profile', id: published.id, slug: erasedSlug(published.id) },
      { aggregateType: 'profile', id: draft.id, slug: erasedSlug(draft.id) },
      { aggregateType: 'studio', id: studio.id, slug: erasedSlug(studio.id) },
    ]);
  });
});
