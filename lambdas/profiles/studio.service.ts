/**
 * Studios (NTB-STUDIO-001/002/004): unique slug, host wizard with gating and autosave, address
 * privacy (the exact address is owner-only; the public page shows the city), completeness-gated
 * publishing and the LocalBusiness public page.
 */
import type { Clock } from '../core/clock.ts';
import type { Database, Transaction } from '../core/db/database.ts';
import { guardNotErased } from '../core/db/erased-users.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { isId, newId } from '../core/ids.ts';
import { MediaRepository } from '../media/media.repository.ts';
import { studioCompleteness, type StudioFacts } from './completeness.ts';
import { mediaFacts, ownerMedia, publicImages, PublicPageCache, verificationView } from './listing-support.ts';
import { isUnlocked, onboardingView, STUDIO_STEPS, studioStepMissing, type OnboardingStep } from './onboarding.ts';
import { ProfileRepository } from './profile.repository.ts';
import type { CompleteStepInput, SaveStudioDraftInput, StudioPatch } from './profiles.schemas.ts';
import { PreconditionFailedError } from './profiles.errors.ts';
import type { ProfilesSettings } from './profile.service.ts';
import { toPublicStudio, type PublicStudioView } from './public-page.mapper.ts';
import { safeModeDeep } from './safe-mode.ts';
import { StudioRepository, type StudioRow } from './studio.repository.ts';
import { VerificationRepository } from './verification.repository.ts';

export class StudioService {
  private readonly studios: StudioRepository;
  private readonly cities: ProfileRepository;
  private readonly media: MediaRepository;
  private readonly verifications: VerificationRepository;
  private readonly publicCache: PublicPageCache<PublicStudioView>;

  constructor(
    private readonly db: Database,
    private readonly settings: ProfilesSettings,
    clock: Clock,
  ) {
    this.studios = new StudioRepository(db);
    this.cities = new ProfileRepository(db);
    this.media = new MediaRepository(db);
    this.verifications = new VerificationRepository(db);
    this.publicCache = new PublicPageCache(clock, settings.publicCacheTtlMs);
  }

  publicUrl(slug: string): string {
    return `${this.settings.webBaseUrl}/studios/${slug}`;
  }

  forgetPublicPages(slugs: readonly string[]): void {
    for (const slug of slugs) this.publicCache.delete(slug);
  }

  private async facts(row: StudioRow, tx?: Transaction) {
    const [media, verification] = await Promise.all([this.media.listByOwner('STUDIO', row.id, tx), this.verifications.latest('STUDIO', row.id, tx)]);
    const facts: StudioFacts = {
      name: row.name,
      description: row.description,
      city: row.city_code,
      addressLine1: row.address_line1,
      postalCode: row.postal_code,
      amenities: row.amenities,
      hourlyMinCents: row.hourly_min_cents,
      hourlyMaxCents: row.hourly_max_cents,
      depositCents: row.deposit_cents,
      availability: row.availability,
      ...mediaFacts(media),
      verification: verification?.status ?? 'UNVERIFIED',
      published: row.status === 'PUBLISHED',
    };
    return { facts, media, verification };
  }

  private effectiveCompleted(row: StudioRow, facts: StudioFacts): string[] {
    return row.completed_steps.filter((step) => studioStepMissing(step as OnboardingStep, facts).length === 0);
  }

  private async ownerView(row: StudioRow, tx?: Transaction) {
    const { facts, media, verification } = await this.facts(row, tx);
    return {
      id: row.id,
      slug: row.slug,
      status: row.status,
      version: row.version,
      name: row.name,
      description: row.description,
      city: row.city_code,
      addressLine1: row.address_line1,
      addressLine2: row.address_line2,
      postalCode: row.postal_code,
      contactEmail: row.contact_email,
      contactPhone: row.contact_phone,
      amenities: row.amenities,
      hourlyMinCents: row.hourly_min_cents,
      hourlyMaxCents: row.hourly_max_cents,
      depositCents: row.deposit_cents,
      currency: row.currency,
      availability: row.availability,
      instantBook: row.instant_book,
      onboarding: onboardingView(STUDIO_STEPS, this.effectiveCompleted(row, facts), (step) => studioStepMissing(step, facts)),
      completeness: studioCompleteness(facts),
      verification: verificationView('STUDIO', verification),
      photos: ownerMedia(media, this.settings.mediaPublicBaseUrl),
      publicUrl: this.publicUrl(row.slug),
      publishedAt: row.published_at?.toISOString() ?? null,
      updatedAt: row.updated_at.toISOString(),
    };
  }

  private async owned(caller: Caller, id: string, tx?: Transaction, forUpdate = false): Promise<StudioRow> {
    const user = requireUser(caller);
    const row = isId('studio', id) ? await this.studios.findOwned(id, user.userId, tx, forUpdate) : null;
    if (!row) throw new NotFoundError('Studio not found');
    return row;
  }

  async myStudios(caller: Caller) {
    const user = requireUser(caller);
    return Promise.all((await this.studios.listOwned(user.userId)).map((row) => this.ownerView(row)));
  }

  async myStudio(caller: Caller, id: string) {
    return this.ownerView(await this.owned(caller, id));
  }

  async create(caller: Caller, input: { name: string; slug: string }) {
    const user = requireUser(caller);
    // An erased account (its access token outlives it) creates nothing; see erased-users.ts.
    const row = await this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId, 'Studio not found');
      return this.studios.insert(tx, { id: newId('studio'), ownerUserId: user.userId, slug: input.slug, name: input.name });
    });
    return this.ownerView(row);
  }

  private async validatePatch(row: StudioRow, patch: StudioPatch): Promise<void> {
    if (patch.city && !(await this.cities.cityExists(patch.city))) throw new ValidationError('Unknown city', [{ path: 'patch.city', message: 'unknown city' }]);
    const min = patch.hourlyMinCents ?? row.hourly_min_cents;
    const max = patch.hourlyMaxCents ?? row.hourly_max_cents;
    if (min !== null && max !== null && min > max) throw new ValidationError('hourlyMinCents must not exceed hourlyMaxCents', [{ path: 'patch.hourlyMinCents', message: 'greater than hourlyMaxCents' }]);
  }

  async saveDraft(caller: Caller, input: SaveStudioDraftInput) {
    const user = requireUser(caller);
    const current = await this.owned(caller, input.studioId);
    if (input.step) {
      if (!(STUDIO_STEPS as readonly string[]).includes(input.step)) throw new ValidationError(`${input.step} is not a studio step`);
      const { facts } = await this.facts(current);
      if (!isUnlocked(STUDIO_STEPS, this.effectiveCompleted(current, facts), input.step)) throw new PreconditionFailedError('Finish the earlier steps first', 'ONBOARDING.STEP_LOCKED', { step: input.step });
    }
    await this.validatePatch(current, input.patch);
    const saved = await this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId, 'Studio not found');
      const row = await this.studios.saveDraft(tx, { id: current.id, ownerUserId: user.userId, expectedVersion: input.expectedVersion, patch: input.patch });
      if (!row) {
        const latest = await this.studios.findOwned(current.id, user.userId, tx);
        if (!latest) throw new NotFoundError('Studio not found');
        throw new ConflictError('The studio changed since you loaded it; reload and reapply your edit', 'STUDIO.VERSION_CONFLICT', { currentVersion: latest.version });
      }
      if (row.status === 'PUBLISHED') await this.announce(tx, 'studio.updated', row);
      return row;
    });
    this.publicCache.delete(saved.slug);
    return this.ownerView(saved);
  }

  async completeStep(caller: Caller, input: CompleteStepInput) {
    const user = requireUser(caller);
    const current = await this.owned(caller, input.id);
    if (!(STUDIO_STEPS as readonly string[]).includes(input.step)) throw new ValidationError(`${input.step} is not a studio step`);
    const { facts } = await this.facts(current);
    const completed = this.effectiveCompleted(current, facts);
    if (!isUnlocked(STUDIO_STEPS, completed, input.step)) throw new PreconditionFailedError('Finish the earlier steps first', 'ONBOARDING.STEP_LOCKED', { step: input.step });
    const missing = studioStepMissing(input.step, facts);
    if (missing.length) throw new PreconditionFailedError(`Step ${input.step} is not complete`, 'ONBOARDING.STEP_INCOMPLETE', { step: input.step, missing });
    const row = await this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId, 'Studio not found');
      const updated = await this.studios.saveDraft(tx, { id: current.id, ownerUserId: user.userId, expectedVersion: input.expectedVersion, patch: {}, extra: { completed_steps: [...new Set([...completed, input.step])] } });
      if (!updated) throw new ConflictError('The studio changed since you loaded it', 'STUDIO.VERSION_CONFLICT');
      return updated;
    });
    return this.ownerView(row);
  }

  async publish(caller: Caller, id: string) {
    const current = await this.owned(caller, id);
    const row = await this.db.transaction(async (tx) => {
      await guardNotErased(tx, current.owner_user_id, 'Studio not found');
      const locked = await this.studios.findOwned(current.id, current.owner_user_id, tx, true);
      if (!locked) throw new NotFoundError('Studio not found');
      const completeness = studioCompleteness((await this.facts(locked, tx)).facts);
      if (!completeness.canPublish) {
        throw new PreconditionFailedError(`Completeness ${completeness.score} is below the publish threshold ${completeness.publishThreshold}`, 'STUDIO.BELOW_THRESHOLD', {
          score: completeness.score,
          threshold: completeness.publishThreshold,
          missing: completeness.items.filter((item) => !item.done).map((item) => item.key),
        });
      }
      if (locked.status === 'PUBLISHED') return locked;
      const published = await this.studios.setStatus(tx, locked.id, 'PUBLISHED');
      await this.announce(tx, 'studio.published', published);
      return published;
    });
    this.publicCache.delete(row.slug);
    return this.ownerView(row);
  }

  async unpublish(caller: Caller, id: string) {
    const current = await this.owned(caller, id);
    const row = await this.db.transaction(async (tx) => {
      await guardNotErased(tx, current.owner_user_id, 'Studio not found');
      const locked = await this.studios.findOwned(current.id, current.owner_user_id, tx, true);
      if (!locked) throw new NotFoundError('Studio not found');
      if (locked.status !== 'PUBLISHED') return locked;
      const unpublished = await this.studios.setStatus(tx, locked.id, 'UNPUBLISHED');
      await this.announce(tx, 'studio.unpublished', unpublished);
      return unpublished;
    });
    this.publicCache.delete(row.slug);
    return this.ownerView(row);
  }

  private async announce(tx: Transaction, type: string, row: StudioRow): Promise<void> {
    await enqueueEvent(tx, { type, aggregateType: 'studio', aggregateId: row.id, payload: { studioId: row.id, slug: row.slug, city: row.city_code, version: row.version } });
  }

  async publicStudio(slug: string): Promise<PublicStudioView> {
    return this.publicCache.get(slug, async () => {
      const row = await this.studios.findPublishedBySlug(slug);
      if (!row) throw new NotFoundError('Studio not found');
      const [city, verification, media] = await Promise.all([this.cities.cityInfo(row.city_code), this.verifications.latest('STUDIO', row.id), this.media.listPublic('STUDIO', [row.id])]);
      const images = publicImages(media, this.settings.mediaPublicBaseUrl);
      const photos = images.cover ? [images.cover, ...images.images.filter((image) => image.id !== images.cover!.id)] : images.images;
      return safeModeDeep(toPublicStudio({ row, city, verified: verification?.status === 'VERIFIED', photos, canonicalUrl: this.publicUrl(row.slug) }));
    });
  }
}
