/**
 * Service profiles: one per account and role (NTB-PROF-002), a wizard with step gating and
 * autosave under optimistic concurrency, completeness-gated publishing (NTB-PROF-005), the
 * Safe-Mode public page (NTB-PROF-001/004/008) and profile.* outbox events for the indexer.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { isUniqueViolation } from '../core/db/database.ts';
import { guardNotErased } from '../core/db/erased-users.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { buildEvent, type DomainEvent } from '../core/events/catalog.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { profileCompleteness, type ProfileFacts } from './completeness.ts';
import { mediaFacts, ownerMedia, verificationView } from './listing-support.ts';
import { evictAfterWrite, type PublicPageEviction } from './public-page-eviction.ts';
import { ListingWorkflow } from './listing-workflow.ts';
import { onboardingView, PROFILE_PUBLISH_STEPS, PROFILE_STEPS, profileStepMissing } from './onboarding.ts';
import type { ProfileRow } from './profile.repository.ts';
import type { ProfilesData, ProfilesRepositories, ProfilesTx } from './profiles.repositories.ts';
import type { ProfilePatch, SaveProfileDraftInput, CompleteStepInput, ProfileRole } from './profiles.schemas.ts';
import { PreconditionFailedError } from './profiles.errors.ts';
import type { PublicProfileView } from './public-page.mapper.ts';
import { renderPublicProfile } from './public-page.render.ts';

export interface ProfilesSettings {
  /** The web app's origin, for canonical URLs (https://rastup.com). */
  readonly webBaseUrl: string;
  readonly mediaPublicBaseUrl: string;
}

type ProfileEvent = 'profile.published' | 'profile.updated' | 'profile.unpublished';
/** The media events that can change a published profile's public page (infra/definitions eventConsumers). */
export type MediaChangeEvent = DomainEvent<
  'media.processed' | 'media.published' | 'media.reordered' | 'media.cover_changed' | 'media.deleted'
>;

export function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}

export class ProfileService {
  private readonly workflow: ListingWorkflow<ProfileRow, ProfileFacts, ProfilePatch, ProfileEvent>;

  constructor(
    private readonly db: ProfilesData,
    private readonly settings: ProfilesSettings,
    private readonly clock: Clock,
    private readonly pages: PublicPageEviction,
    logger: Logger,
  ) {
    this.workflow = new ListingWorkflow(
      db,
      {
        label: 'profile',
        notFoundMessage: 'Profile not found',
        idKind: 'profile',
        stepKind: 'provider',
        steps: PROFILE_STEPS,
        publishSteps: PROFILE_PUBLISH_STEPS,
        imageStep: 'PORTFOLIO',
        stepMissing: profileStepMissing,
        repository: (scope) => scope.profiles,
        facts: (row, tx) => this.facts(row, tx),
        completeness: profileCompleteness,
        validatePatch: (row, patch) => this.validatePatch(row, patch),
        codes: {
          versionConflict: 'PROFILE.VERSION_CONFLICT',
          belowThreshold: 'PROFILE.BELOW_THRESHOLD',
          notReady: 'PROFILE.NOT_READY_TO_PUBLISH',
        },
        events: { updated: 'profile.updated', published: 'profile.published', unpublished: 'profile.unpublished' },
        announce: (tx, type, row, extra) => this.announce(tx, type, row, extra),
        publishedEventExtra: (completeness) => ({ score: completeness.score }),
      },
      (slug) => evictAfterWrite(pages, logger, 'PROFILE', slug),
    );
  }

  publicUrl(slug: string): string {
    return `${this.settings.webBaseUrl}/p/${slug}`;
  }

  private async facts(row: ProfileRow, tx: ProfilesRepositories = this.db) {
    const [media, verification] = await Promise.all([
      tx.media.listByOwner('PROFILE', row.id),
      tx.verifications.latest('IDENTITY', row.owner_user_id),
    ]);
    const facts: ProfileFacts = {
      displayName: row.display_name,
      headline: row.headline,
      bio: row.bio,
      city: row.city_code,
      tags: row.tags,
      languages: row.languages,
      priceMinCents: row.price_min_cents,
      priceMaxCents: row.price_max_cents,
      packages: row.packages,
      cancellationPolicy: row.cancellation_policy,
      reschedulePolicy: row.reschedule_policy,
      availability: row.availability,
      ...mediaFacts(media),
      verification: verification?.status ?? 'UNVERIFIED',
      published: row.status === 'PUBLISHED',
    };
    return { facts, media, verification };
  }

  private async ownerView(row: ProfileRow, tx: ProfilesRepositories = this.db) {
    const { facts, media, verification } = await this.facts(row, tx);
    const completed = this.workflow.effectiveCompleted(row, facts);
    return {
      id: row.id,
      role: row.role,
      slug: row.slug,
      status: row.status,
      version: row.version,
      displayName: row.display_name,
      headline: row.headline,
      bio: row.bio,
      tags: row.tags,
      city: row.city_code,
      priceMinCents: row.price_min_cents,
      priceMaxCents: row.price_max_cents,
      currency: row.currency,
      languages: row.languages,
      links: row.links,
      packages: row.packages,
      cancellationPolicy: row.cancellation_policy,
      reschedulePolicy: row.reschedule_policy,
      availability: row.availability,
      contactEmail: row.contact_email,
      contactPhone: row.contact_phone,
      instantBook: row.instant_book,
      onboarding: onboardingView(PROFILE_STEPS, completed, (step) => profileStepMissing(step, facts)),
      completeness: profileCompleteness(facts),
      verification: verificationView('IDENTITY', verification),
      portfolio: ownerMedia(media, this.settings.mediaPublicBaseUrl),
      publicUrl: this.publicUrl(row.slug),
      publishedAt: row.published_at?.toISOString() ?? null,
      updatedAt: row.updated_at.toISOString(),
    };
  }

  private owned(caller: Caller, id: string): Promise<ProfileRow> {
    return this.workflow.owned(caller, id);
  }

  async myProfiles(caller: Caller) {
    const user = requireUser(caller);
    return Promise.all((await this.db.profiles.listOwned(user.userId)).map((row) => this.ownerView(row)));
  }

  async myProfile(caller: Caller, id: string) {
    return this.ownerView(await this.owned(caller, id));
  }

  async create(caller: Caller, input: { role: ProfileRole; displayName?: string | null | undefined }) {
    const user = requireUser(caller);
    const base = slugify(input.displayName ?? '') || input.role.toLowerCase().replace(/_/g, '-');
    for (let attempt = 0; attempt < 5; attempt++) {
      const slug = `${base}-${randomBytes(4).toString('hex').slice(0, 6)}`;
      try {
        // An erased account (its access token outlives it) creates nothing; see erased-users.ts.
        const row = await this.db.transaction(async (tx) => {
          await guardNotErased(tx, user.userId, 'Profile not found');
          return tx.profiles.insert({
            id: newId('profile'),
            ownerUserId: user.userId,
            role: input.role,
            slug,
            displayName: input.displayName ?? null,
          });
        });
        return this.ownerView(row);
      } catch (error) {
        if (isUniqueViolation(error, 'service_profiles_owner_user_id_role_key'))
          throw new ConflictError(`You already have a ${input.role} profile`, 'PROFILE.ROLE_EXISTS');
        if (isUniqueViolation(error, 'service_profiles_slug_key')) continue;
        throw error;
      }
    }
    throw new ConflictError('Could not allocate a unique slug; try again', 'PROFILE.SLUG_TAKEN');
  }

  private async validatePatch(row: ProfileRow, patch: ProfilePatch): Promise<void> {
    if (patch.city && !(await this.db.cities.cityExists(patch.city)))
      throw new ValidationError('Unknown city', [{ path: 'patch.city', message: 'unknown city' }]);
    const min = patch.priceMinCents ?? row.price_min_cents;
    const max = patch.priceMaxCents ?? row.price_max_cents;
    if (min !== null && max !== null && min > max)
      throw new ValidationError('priceMinCents must not exceed priceMaxCents', [
        { path: 'patch.priceMinCents', message: 'greater than priceMaxCents' },
      ]);
  }

  /** Autosave. A stale expectedVersion is a CONFLICT carrying the current version, never an overwrite. */
  async saveDraft(caller: Caller, input: SaveProfileDraftInput) {
    return this.ownerView(
      await this.workflow.saveDraft(caller, {
        id: input.profileId,
        expectedVersion: input.expectedVersion,
        step: input.step,
        patch: input.patch,
      }),
    );
  }

  async completeStep(caller: Caller, input: CompleteStepInput) {
    return this.ownerView(await this.workflow.completeStep(caller, input));
  }

  async publish(caller: Caller, id: string) {
    return this.ownerView(await this.workflow.publish(caller, id));
  }

  async unpublish(caller: Caller, id: string) {
    return this.ownerView(await this.workflow.unpublish(caller, id));
  }

  /** Instant Book (NTB-PROF-005): published, above the higher threshold, identity verified. */
  async setInstantBook(caller: Caller, id: string, enabled: boolean) {
    const row = await this.workflow.changeLocked(caller, id, async (tx, locked) => {
      if (enabled) {
        const completeness = profileCompleteness((await this.facts(locked, tx)).facts);
        if (!completeness.instantBookEligible)
          throw new PreconditionFailedError('Not eligible for Instant Book yet', 'PROFILE.INSTANT_BOOK_INELIGIBLE', {
            blockers: completeness.instantBookBlockers,
          });
      }
      const updated = await tx.profiles.setInstantBook(locked.id, enabled);
      if (updated.status === 'PUBLISHED') await this.announce(tx, 'profile.updated', updated);
      return updated;
    });
    return this.ownerView(row);
  }

  private async announce(
    tx: ProfilesTx,
    type: ProfileEvent,
    row: ProfileRow,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    // Ids and public attributes only: the indexer reads the public projection itself.
    const payload = {
      profileId: row.id,
      ownerUserId: row.owner_user_id,
      role: row.role,
      slug: row.slug,
      city: row.city_code,
      version: row.version,
      ...extra,
    };
    await enqueueEvent(tx, buildEvent(type, payload));
    // Every published profile's page lists the owner's published roles (findPublicPage): publishing or
    // unpublishing one changes the others' pages, so they are announced too (and evicted by its consumer).
    if (type === 'profile.published' || type === 'profile.unpublished') {
      for (const other of await tx.profiles.publishedOf(row.owner_user_id)) {
        if (other.id === row.id) continue;
        await enqueueEvent(
          tx,
          buildEvent('profile.updated', {
            profileId: other.id,
            ownerUserId: row.owner_user_id,
            role: other.role,
            slug: other.slug,
            city: other.city_code,
            version: other.version,
            reason: 'roles',
          }),
        );
      }
    }
  }

  async publicProfile(slug: string): Promise<PublicProfileView> {
    // One round trip: the page's row, roles, city, verification and media in one statement. AppSync
    // caches the answer by slug (cachedReads); the profiles-public-cache consumer evicts it.
    const page = await this.db.profiles.findPublicPage(slug);
    if (!page) throw new NotFoundError('Profile not found');
    return renderPublicProfile(page, {
      mediaPublicBaseUrl: this.settings.mediaPublicBaseUrl,
      canonicalUrl: this.publicUrl(page.row.slug),
    });
  }

  /**
   * Media of a published profile changed (moderated, reordered, new cover, deleted): the public
   * page changed, so the indexer hears profile.updated. Idempotent per event.
   */
  async onMediaChanged(event: MediaChangeEvent): Promise<void> {
    const { ownerType, ownerId } = event.payload;
    if (ownerType === 'STUDIO') {
      // A studio's page shows its media too: the studio.updated consumer (profiles-public-cache) evicts it.
      await consumeOnce(this.db, 'profiles-media-changes', event, async (tx) => {
        const studio = await tx.studios.findPublished(ownerId);
        if (!studio) return;
        await enqueueEvent(
          tx,
          buildEvent('studio.updated', {
            studioId: studio.id,
            slug: studio.slug,
            city: studio.city_code,
            version: studio.version,
          }),
        );
      });
      return;
    }
    if (ownerType !== 'PROFILE') return;
    await consumeOnce(this.db, 'profiles-media-changes', event, async (tx) => {
      const owner = await tx.profiles.ownerOf(ownerId);
      if (!owner) return;
      const row = await tx.profiles.findOwned(ownerId, owner);
      if (row?.status === 'PUBLISHED') {
        // The profile.updated consumer (profiles-public-cache) evicts the cached page.
        await this.announce(tx, 'profile.updated', row, { reason: event.type });
      }
    });
  }
}
