/**
 * VerificationService's rules with the real service and in-memory fakes of the profiles
 * repositories, media's catalog and the kernel: what a request needs, one open request per subject,
 * who may decide, and what a decision announces.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import { ConflictError, ForbiddenError, NotFoundError, StepUpRequiredError, ValidationError } from '../core/errors.ts';
import type { Role, UserCaller } from '../core/identity.ts';
import { fake, fakeUnitOfWork, MemoryStaffGrants } from '../core/testing/fakes.ts';
import type { MediaCatalog, MediaRow } from '../media/index.ts';
import type { ProfileStore } from './profile.repository.ts';
import type { ProfilesRepositories } from './profiles.repositories.ts';
import type { StudioStore } from './studio.repository.ts';
import type { VerificationRow, VerificationStore } from './verification.repository.ts';
import { VerificationService } from './verification.service.ts';
import type { PageEvictionStore } from './page-eviction.repository.ts';
import { GrantStaffAuthority } from '../staff/index.ts';

const OWNER = newId('user');
const ADMIN = newId('user');
const STUDIO = newId('studio');
const DOC = newId('media');
const PROFILE = newId('profile');
const NOW = Date.UTC(2026, 0, 1);

const document = (overrides: Partial<MediaRow> = {}) =>
  ({ id: DOC, owner_user_id: OWNER, owner_type: 'VERIFICATION', status: 'READY', ...overrides }) as MediaRow;

function setup() {
  const requests = new Map<string, VerificationRow>();
  let lockedSubjects: string[] = [];
  const verifications = fake<VerificationStore>('verifications', {
    lockSubject: async (subjectId) => void lockedSubjects.push(subjectId),
    latest: async (type, subjectId) =>
      [...requests.values()].filter((r) => r.subject_type === type && r.subject_id === subjectId).at(-1) ?? null,
    insert: async (input) => {
      const row: VerificationRow = {
        id: input.id,
        subject_type: input.subjectType,
        subject_id: input.subjectId,
        owner_user_id: input.ownerUserId,
        status: 'PENDING',
        document_media_id: input.documentMediaId,
        reason: null,
        created_at: new Date(NOW),
        decided_at: null,
      };
      requests.set(row.id, row);
      return row;
    },
    findById: async (id) => requests.get(id) ?? null,
    decide: async (id, status, _admin, reason) => {
      const current = requests.get(id);
      if (!current || current.status !== 'PENDING') return null;
      const decided = { ...current, status, reason, decided_at: new Date(NOW) };
      requests.set(id, decided);
      return decided;
    },
  });
  const media = new Map<string, MediaRow>([[DOC, document()]]);
  const repos: ProfilesRepositories = {
    verifications,
    pageEvictions: fake<PageEvictionStore>('page evictions'),
    media: fake<MediaCatalog>('media catalog', {
      findOwned: async (id, userId) => {
        const found = media.get(id);
        return found?.owner_user_id === userId ? found : null;
      },
    }),
    studios: fake<StudioStore>('studios', {
      findOwned: async (id, userId) =>
        id === STUDIO && userId === OWNER ? ({ id } as Awaited<ReturnType<StudioStore['findOwned']>>) : null,
      findPublished: async (id) =>
        id === STUDIO
          ? ({ id, slug: 'loft-1', city_code: 'us-nyc', version: 5 } as Awaited<
              ReturnType<StudioStore['findPublished']>
            >)
          : null,
    }),
    profiles: fake<ProfileStore>('profiles', {
      publishedOf: async (userId) =>
        userId === OWNER ? [{ id: PROFILE, role: 'MODEL', slug: 'ava', city_code: 'us-nyc', version: 3 }] : [],
    }),
    notifications: fake('notifications'),
    cities: fake('cities'),
  };
  const db = fakeUnitOfWork(repos);
  const clock = new ManualClock(NOW);
  const grants = new MemoryStaffGrants();
  const service = new VerificationService(db, clock, new GrantStaffAuthority(grants, clock));
  return {
    service,
    clock,
    grants,
    db,
    requests,
    media,
    locked: () => lockedSubjects,
    reset: () => (lockedSubjects = []),
  };
}

const user = (userId: string, roles: Role[] = ['provider'], stepUpAt?: number): UserCaller => ({
  kind: 'user',
  userId,
  roles,
  amr: ['pwd'],
  authTime: NOW / 1000,
  sessionId: 'ses_1',
  expiresAt: NOW / 1000 + 900,
  ...(stepUpAt === undefined ? {} : { stepUpAt }),
});
const identity = { subject: 'IDENTITY' as const, documentMediaId: DOC };

describe('VerificationService.request', () => {
  it('records a pending identity request under the subject lock and announces it', async () => {
    const { service, db, locked } = setup();
    const view = await service.request(user(OWNER), identity);
    expect(view).toMatchObject({ status: 'PENDING' });
    expect(locked()).toEqual([OWNER]);
    expect(db.kernel.eventTypes()).toEqual(['verification.requested']);
  });

  it('allows one open request per subject: a second is a conflict, as is re-verifying', async () => {
    const { service, requests } = setup();
    await service.request(user(OWNER), identity);
    await expect(service.request(user(OWNER), identity)).rejects.toMatchObject({
      code: 'VERIFICATION.ALREADY_PENDING',
    });
    const [only] = requests.values();
    requests.set(only!.id, { ...only!, status: 'VERIFIED' });
    await expect(service.request(user(OWNER), identity)).rejects.toBeInstanceOf(ConflictError);
  });

  it('needs a verification document of the caller that made it through the upload checks', async () => {
    const { service, media } = setup();
    media.set(DOC, document({ owner_type: 'PROFILE' }));
    await expect(service.request(user(OWNER), identity)).rejects.toBeInstanceOf(NotFoundError);
    media.set(DOC, document({ status: 'AWAITING_UPLOAD' }));
    await expect(service.request(user(OWNER), identity)).rejects.toBeInstanceOf(NotFoundError);
    media.set(DOC, document({ owner_user_id: ADMIN }));
    await expect(service.request(user(OWNER), identity)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a studio request names a studio the caller owns', async () => {
    const { service } = setup();
    await expect(service.request(user(OWNER), { ...identity, subject: 'STUDIO' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      service.request(user(ADMIN), { ...identity, subject: 'STUDIO', studioId: STUDIO }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      service.request(user(OWNER), { ...identity, subject: 'STUDIO', studioId: STUDIO }),
    ).resolves.toMatchObject({ status: 'PENDING' });
  });

  it('refuses an erased account whose token still works', async () => {
    const { service, db, requests } = setup();
    db.kernel.erased.add(OWNER);
    await expect(service.request(user(OWNER), identity)).rejects.toBeInstanceOf(NotFoundError);
    expect(requests.size).toBe(0);
  });
});

describe('VerificationService.decide', () => {
  const stepUp = NOW / 1000 - 60;

  async function pending() {
    const context = setup();
    await context.service.request(user(OWNER), identity);
    const [request] = context.requests.values();
    context.db.kernel.events.length = 0;
    return { ...context, id: request!.id as `vrf_${string}` };
  }

  it('needs the admin or trust role and a second factor in the last 10 minutes', async () => {
    const { service, id } = await pending();
    await expect(
      service.decide(user(ADMIN, ['provider'], stepUp), { verificationId: id, decision: 'VERIFIED' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      service.decide(user(ADMIN, ['admin'], NOW / 1000 - 11 * 60), { verificationId: id, decision: 'VERIFIED' }),
    ).rejects.toBeInstanceOf(StepUpRequiredError);
  });

  it('honours a trust elevation granted after sign-in, and refuses it the moment it lapses', async () => {
    const { service, id, grants, clock } = await pending();
    const elevated = user(ADMIN, ['provider'], stepUp);
    grants.grant(ADMIN, 'trust', new Date(NOW + 5 * 60_000));
    clock.advance(5 * 60_000);
    await expect(service.decide(elevated, { verificationId: id, decision: 'VERIFIED' })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    // A new elevation, granted while the same token lives on: honoured at the next call.
    grants.grant(ADMIN, 'trust', new Date(NOW + 30 * 60_000));
    expect(await service.decide(elevated, { verificationId: id, decision: 'VERIFIED' })).toMatchObject({
      status: 'VERIFIED',
    });
  });

  it('nobody decides their own request, whatever their roles', async () => {
    const { service, id, db } = await pending();
    await expect(
      service.decide(user(OWNER, ['admin'], stepUp), { verificationId: id, decision: 'VERIFIED' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(db.kernel.audit).toEqual([]);
  });

  it('VERIFIED is audited, announced, and re-announces the subject’s published profiles (their badge)', async () => {
    const { service, id, db } = await pending();
    const view = await service.decide(user(ADMIN, ['trust'], stepUp), { verificationId: id, decision: 'VERIFIED' });
    expect(view.status).toBe('VERIFIED');
    expect(db.kernel.audit).toEqual([
      {
        actor: ADMIN,
        action: 'verification.verified',
        subject: `identity:${OWNER}`,
        details: { verificationId: id, reason: null },
      },
    ]);
    expect(db.kernel.eventTypes()).toEqual(['verification.decided', 'profile.updated']);
    expect(db.kernel.events[1]!.payload).toMatchObject({ profileId: PROFILE, reason: 'verification', version: 3 });
  });

  it("a studio's decision re-announces the published studio (its page shows the studio's badge)", async () => {
    const context = setup();
    await context.service.request(user(OWNER), { ...identity, subject: 'STUDIO', studioId: STUDIO });
    const [request] = context.requests.values();
    context.db.kernel.events.length = 0;
    await context.service.decide(user(ADMIN, ['trust'], stepUp), {
      verificationId: request!.id as `vrf_${string}`,
      decision: 'VERIFIED',
    });
    expect(context.db.kernel.eventTypes()).toEqual(['verification.decided', 'studio.updated']);
    expect(context.db.kernel.events[1]!.payload).toEqual({
      studioId: STUDIO,
      slug: 'loft-1',
      city: 'us-nyc',
      version: 5,
    });
  });

  it('a decided request cannot be decided again', async () => {
    const { service, id } = await pending();
    await service.decide(user(ADMIN, ['admin'], stepUp), { verificationId: id, decision: 'REJECTED' });
    await expect(
      service.decide(user(ADMIN, ['admin'], stepUp), { verificationId: id, decision: 'VERIFIED' }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
