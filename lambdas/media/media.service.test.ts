/**
 * MediaService's rules with the real service and in-memory fakes of its repository, object store
 * and the kernel (audit, outbox, erasure markers): who may attach media where, the in-flight cap,
 * what may become a cover, and the moderation decision's guards and effects.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import {
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  StepUpRequiredError,
  ValidationError,
} from '../core/errors.ts';
import type { Role, UserCaller } from '../core/identity.ts';
import type { ObjectStore } from '../core/ports.ts';
import { fake, fakeUnitOfWork, MemoryStaffGrants } from '../core/testing/fakes.ts';
import { MAX_CONCURRENT_UPLOADS } from './media-policy.ts';
import { MEDIA_PUBLISHABLE, MEDIA_WITHDRAWN } from './media-publication.ts';
import { UnsupportedMediaTypeError } from './media.errors.ts';
import type { MediaReconcilerStore } from './media-reconciler.repository.ts';
import type { MediaRow, MediaStore } from './media.repository.ts';
import { MediaService } from './media.service.ts';
import { GrantStaffAuthority } from '../staff/index.ts';

const OWNER = newId('user');
const ADMIN = newId('user');
const OTHER = newId('user');
const PROFILE = newId('profile');
const M1 = newId('media');
const M2 = newId('media');
const buckets = { originals: 'originals', public: 'public', publicBaseUrl: 'https://cdn.example' };

function row(overrides: Partial<MediaRow> = {}): MediaRow {
  return {
    id: M1,
    owner_user_id: OWNER,
    owner_type: 'PROFILE',
    owner_id: PROFILE,
    status: 'READY',
    declared_content_type: 'image/jpeg',
    declared_size_bytes: 1000,
    detected_content_type: 'image/jpeg',
    size_bytes: 1000,
    incoming_key: `incoming/${M1}`,
    original_key: `originals/${M1}`,
    crop: null,
    alt_text: null,
    width: 100,
    height: 100,
    nsfw_band: 0,
    variants: [{ name: 'large', key: `variants/${M1}/large.webp`, width: 100, height: 100, format: 'webp' }],
    public_variants: [],
    sort_order: 0,
    is_cover: false,
    upload_expires_at: new Date('2026-01-01T00:15:00Z'),
    created_at: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** Media rows in a map, with the conditional updates the SQL makes. */
class InMemoryMedia {
  readonly rows = new Map<string, MediaRow>();
  readonly cases = new Map<string, 'PENDING' | 'APPROVED' | 'REJECTED'>();
  owned = new Set<string>([`${OWNER}:PROFILE:${PROFILE}`]);

  store(): MediaStore {
    return fake<MediaStore>('media repository', {
      ownsTarget: async (userId, type, id) => this.owned.has(`${userId}:${type}:${id}`),
      lockUser: async () => undefined,
      dropExpiredReservations: async () => undefined,
      inFlight: async (userId) => {
        const waiting = [...this.rows.values()].filter(
          (item) => item.owner_user_id === userId && item.status === 'AWAITING_UPLOAD',
        );
        return { count: waiting.length, oldestExpiry: waiting[0]?.upload_expires_at ?? null };
      },
      insertReservation: async (input) => {
        const created = row({
          id: input.id,
          owner_user_id: input.ownerUserId,
          owner_type: input.ownerType,
          owner_id: input.ownerId,
          status: 'AWAITING_UPLOAD',
          declared_content_type: input.contentType,
          incoming_key: input.incomingKey,
          upload_expires_at: input.expiresAt,
          variants: [],
          nsfw_band: null,
        });
        this.rows.set(created.id, created);
        return created;
      },
      findOwned: async (id, userId) => {
        const found = this.rows.get(id);
        return found && found.owner_user_id === userId && found.status !== 'DELETED' ? found : null;
      },
      findById: async (id) => this.rows.get(id) ?? null,
      setCover: async (target) => {
        for (const item of this.rows.values())
          if (item.owner_id === target.owner_id) this.rows.set(item.id, { ...item, is_cover: item.id === target.id });
      },
      markDeleted: async (id) => {
        this.rows.set(id, { ...this.rows.get(id)!, status: 'DELETED', variants: [], public_variants: [] });
      },
      hasCase: async (id) => this.cases.has(id),
      openTakedownCase: async (id) => void this.cases.set(id, 'APPROVED'),
      decideCase: async (id, status, _admin, _reason, from) => {
        const current = this.cases.get(id);
        if (!current || !(from as readonly string[]).includes(current)) return false;
        this.cases.set(id, status);
        return true;
      },
      setDecision: async (id, status, band) => {
        const current = this.rows.get(id)!;
        this.rows.set(id, {
          ...current,
          status,
          nsfw_band: band ?? current.nsfw_band,
          variants: status === 'READY' ? current.variants : [],
          public_variants: status === 'READY' ? current.public_variants : [],
        });
      },
    });
  }
}

function setup() {
  const media = new InMemoryMedia();
  const db = fakeUnitOfWork({ media: media.store(), naming: fake<MediaReconcilerStore>('naming') });
  const deleted: string[] = [];
  const store = fake<ObjectStore>('object store', {
    presignPost: async ({ key }) => ({ url: 'http://s3.local/originals', fields: { key } }),
    delete: async (bucket, key) => void deleted.push(`${bucket}/${key}`),
  });
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const grants = new MemoryStaffGrants();
  const staff = new GrantStaffAuthority(grants, clock);
  return { media, db, deleted, clock, grants, service: new MediaService(db, store, buckets, clock, staff) };
}

const user = (userId: string, roles: Role[] = ['provider'], stepUpAt?: number): UserCaller => ({
  kind: 'user',
  userId,
  roles,
  amr: ['pwd'],
  authTime: Math.floor(Date.UTC(2026, 0, 1) / 1000),
  sessionId: 'ses_1',
  expiresAt: Math.floor(Date.UTC(2026, 0, 1) / 1000) + 900,
  ...(stepUpAt === undefined ? {} : { stepUpAt }),
});
const upload = { ownerType: 'PROFILE' as const, ownerId: PROFILE, contentType: 'image/jpeg', sizeBytes: 1000 };

describe('MediaService.requestUpload', () => {
  it('reserves an upload for the owner of the listing and returns a presigned POST', async () => {
    const { service, media } = setup();
    const result = await service.requestUpload(user(OWNER), upload);
    expect(result.media.status).toBe('AWAITING_UPLOAD');
    expect(result.upload.fields.key).toMatch(new RegExp(`^incoming/${OWNER}/`));
    expect(media.rows.size).toBe(1);
  });

  it('answers NOT_FOUND for a listing the caller does not own, reserving nothing', async () => {
    const { service, media, db } = setup();
    await expect(service.requestUpload(user(OTHER), upload)).rejects.toBeInstanceOf(NotFoundError);
    expect(media.rows.size).toBe(0);
    expect(db.transactions).toBe(0);
  });

  it('refuses types and sizes outside the policy before looking anything up', async () => {
    const { service, db } = setup();
    await expect(service.requestUpload(user(OWNER), { ...upload, contentType: 'image/gif' })).rejects.toBeInstanceOf(
      UnsupportedMediaTypeError,
    );
    await expect(service.requestUpload(user(OWNER), { ...upload, sizeBytes: 51 * 1024 * 1024 })).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    expect(db.transactions).toBe(0);
  });

  it('caps uploads in flight per user, with a retry-after from the oldest reservation', async () => {
    const { service } = setup();
    for (let i = 0; i < MAX_CONCURRENT_UPLOADS; i++) await service.requestUpload(user(OWNER), upload);
    const refused = await service.requestUpload(user(OWNER), upload).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBe(15 * 60);
  });

  it('refuses an erased account whose access token still works', async () => {
    const { service, db, media } = setup();
    db.kernel.erased.add(OWNER);
    await expect(service.requestUpload(user(OWNER), upload)).rejects.toBeInstanceOf(NotFoundError);
    expect(media.rows.size).toBe(0);
  });
});

describe('MediaService.setCover', () => {
  it('makes a moderated safe image the cover and announces it', async () => {
    const { service, media, db } = setup();
    media.rows.set(M1, row({ is_cover: false }));
    media.rows.set(M2, row({ id: M2, is_cover: true }));
    const view = await service.setCover(user(OWNER), M1);
    expect(view.isCover).toBe(true);
    expect(media.rows.get(M2)!.is_cover).toBe(false);
    expect(db.kernel.eventTypes()).toEqual(['media.cover_changed']);
  });

  it.each([
    ['still processing', { status: 'PROCESSING' as const }],
    ['suggestive (band 1)', { nsfw_band: 1 }],
  ])('refuses an image %s', async (_label, overrides) => {
    const { service, media, db } = setup();
    media.rows.set(M1, row(overrides));
    await expect(service.setCover(user(OWNER), M1)).rejects.toBeInstanceOf(ValidationError);
    expect(db.kernel.events).toEqual([]);
  });

  it('never makes a verification document a cover, and hides other people’s media', async () => {
    const { service, media } = setup();
    media.rows.set(M1, row({ owner_type: 'VERIFICATION', owner_id: OWNER }));
    await expect(service.setCover(user(OWNER), M1)).rejects.toBeInstanceOf(NotFoundError);
    media.rows.set(M2, row({ id: M2 }));
    await expect(service.setCover(user(ADMIN), M2)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('MediaService.delete', () => {
  it('tombstones the item, queues its withdrawal and removes its objects at once', async () => {
    const { service, media, db, deleted } = setup();
    media.rows.set(M1, row({ public_variants: [{ ...row().variants[0]!, key: `media/${M1}/large.abc.webp` }] }));
    expect(await service.delete(user(OWNER), M1)).toBe(true);
    expect(media.rows.get(M1)!.status).toBe('DELETED');
    expect(db.kernel.eventTypes()).toEqual(['media.deleted', MEDIA_WITHDRAWN]);
    expect(deleted).toEqual(expect.arrayContaining([`public/media/${M1}/large.abc.webp`, `originals/incoming/${M1}`]));
  });
});

describe('MediaService.decideModeration', () => {
  const now = Math.floor(Date.UTC(2026, 0, 1) / 1000);

  it('needs a recent second factor and the admin or trust role', async () => {
    const { service, media } = setup();
    media.rows.set(M1, row({ status: 'FLAGGED', nsfw_band: 1 }));
    await expect(
      service.decideModeration(user(ADMIN, ['admin']), { mediaId: M1, decision: 'APPROVE' }),
    ).rejects.toBeInstanceOf(StepUpRequiredError);
    await expect(
      service.decideModeration(user(ADMIN, ['provider'], now), { mediaId: M1, decision: 'APPROVE' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('refuses a moderator deciding their own media', async () => {
    const { service, media, db } = setup();
    media.rows.set(M1, row({ status: 'FLAGGED', nsfw_band: 1, owner_user_id: ADMIN }));
    media.cases.set(M1, 'PENDING');
    await expect(
      service.decideModeration(user(ADMIN, ['admin'], now), { mediaId: M1, decision: 'APPROVE' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(db.kernel.audit).toEqual([]);
  });

  it('APPROVE makes the item band 0, audits it and requests publication after commit', async () => {
    const { service, media, db } = setup();
    media.rows.set(M1, row({ status: 'FLAGGED', nsfw_band: 1 }));
    media.cases.set(M1, 'PENDING');
    const view = await service.decideModeration(user(ADMIN, ['trust'], now), {
      mediaId: M1,
      decision: 'APPROVE',
    });
    expect(view).toMatchObject({ status: 'READY', nsfwBand: 0 });
    expect(db.kernel.auditActions()).toEqual(['media.moderation.approved']);
    expect(db.kernel.eventTypes()).toEqual(['media.processed', MEDIA_PUBLISHABLE]);
  });

  it('REJECT of an automatically approved item opens a takedown case and withdraws every variant', async () => {
    const { service, media, db, deleted } = setup();
    media.rows.set(M1, row({ status: 'READY', nsfw_band: 0 }));
    const view = await service.decideModeration(user(ADMIN, ['admin'], now), {
      mediaId: M1,
      decision: 'REJECT',
      reason: 'report',
    });
    expect(view.status).toBe('REJECTED');
    expect(media.cases.get(M1)).toBe('REJECTED');
    expect(db.kernel.audit[0]).toMatchObject({
      action: 'media.moderation.rejected',
      details: { caseOpened: true, previousStatus: 'READY' },
    });
    expect(db.kernel.eventTypes()).toEqual(['media.processed', MEDIA_WITHDRAWN]);
    // The original stays as evidence; the private variants go.
    expect(deleted).toEqual([`originals/variants/${M1}/large.webp`]);
  });

  it('cannot APPROVE an item that is not flagged (no second publication path)', async () => {
    const { service, media } = setup();
    media.rows.set(M1, row({ status: 'REJECTED', nsfw_band: 2 }));
    await expect(
      service.decideModeration(user(ADMIN, ['admin'], now), { mediaId: M1, decision: 'APPROVE' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
