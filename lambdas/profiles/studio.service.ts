/**
 * Studios (NTB-STUDIO-001/002/004): unique slug, host wizard with gating and autosave, address
 * privacy (the exact address is owner-only; the public page shows the city), completeness-gated
 * publishing and the LocalBusiness public page.
 */
import type { Logger } from '../core/log.ts';
import { guardNotErased } from '../core/db/erased-users.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { studioCompleteness, type StudioFacts } from './completeness.ts';
import { mediaFacts, ownerMedia, verificationView } from './listing-support.ts';
import { evictAfterWrite, type PublicPageEviction } from './public-page-eviction.ts';
import { ListingWorkflow } from './listing-workflow.ts';
import { onboardingView, STUDIO_PUBLISH_STEPS, STUDIO_STEPS, studioStepMissing } from './onboarding.ts';
import type { CompleteStepInput, SaveStudioDraftInput, StudioPatch } from './profiles.schemas.ts';
import type { ProfilesSettings } from './profile.service.ts';
import type { PublicStudioView } from './public-page.mapper.ts';
import { renderPublicStudio } from './public-page.render.ts';
import type { ProfilesData, ProfilesRepositories, ProfilesTx } from './profiles.repositories.ts';
import type { StudioRow } from './studio.repository.ts';

type StudioEvent = 'studio.published' | 'studio.updated' | 'studio.unpublished';

export class StudioService {
  private readonly workflow: ListingWorkflow<StudioRow, StudioFacts, StudioPatch, StudioEvent>;

  constructor(
    private readonly db: ProfilesData,
    private readonly settings: ProfilesSettings,
    pages: PublicPageEviction,
    logger: Logger,
  ) {
    this.workflow = new ListingWorkflow(
      db,
      {
        label: 'studio',
        notFoundMessage: 'Studio not found',
        idKind: 'studio',
        stepKind: 'studio',
        steps: STUDIO_STEPS,
        publishSteps: STUDIO_PUBLISH_STEPS,
        imageStep: 'PHOTOS',
        stepMissing: studioStepMissing,
        repository: (scope) => scope.studios,
        facts: (row, tx) => this.facts(row, tx),
        completeness: studioCompleteness,
        validatePatch: (row, patch) => this.validatePatch(row, patch),
        codes: {
          versionConflict: 'STUDIO.VERSION_CONFLICT',
          belowThreshold: 'STUDIO.BELOW_THRESHOLD',
          notReady: 'STUDIO.NOT_READY_TO_PUBLISH',
        },
        events: { updated: 'studio.updated', published: 'studio.published', unpublished: 'studio.unpublished' },
        announce: (tx, type, row) => this.announce(tx, type, row),
      },
      (slug) => evictAfterWrite(pages, logger, 'STUDIO', slug),
    );
  }

  publicUrl(slug: string): string {
    return `${this.settings.webBaseUrl}/studios/${slug}`;
  }

  private async facts(row: StudioRow, tx: ProfilesRepositories = this.db) {
    const [media, verification] = await Promise.all([
      tx.media.listByOwner('STUDIO', row.id),
      tx.verifications.latest('STUDIO', row.id),
    ]);
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

  private async ownerView(row: StudioRow, tx: ProfilesRepositories = this.db) {
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
      onboarding: onboardingView(STUDIO_STEPS, this.workflow.effectiveCompleted(row, facts), (step) =>
        studioStepMissing(step, facts),
      ),
      completeness: studioCompleteness(facts),
      verification: verificationView('STUDIO', verification),
      photos: ownerMedia(media, this.settings.mediaPublicBaseUrl),
      publicUrl: this.publicUrl(row.slug),
      publishedAt: row.published_at?.toISOString() ?? null,
      updatedAt: row.updated_at.toISOString(),
    };
  }

  private owned(caller: Caller, id: string): Promise<StudioRow> {
    return this.workflow.owned(caller, id);
  }

  async myStudios(caller: Caller) {
    const user = requireUser(caller);
    return Promise.all((await this.db.studios.listOwned(user.userId)).map((row) => this.ownerView(row)));
  }

  async myStudio(caller: Caller, id: string) {
    return this.ownerView(await this.owned(caller, id));
  }

  async create(caller: Caller, input: { name: string; slug: string }) {
    const user = requireUser(caller);
    // An erased account (its access token outlives it) creates nothing; see erased-users.ts.
    const row = await this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId, 'Studio not found');
      return tx.studios.insert({
        id: newId('studio'),
        ownerUserId: user.userId,
        slug: input.slug,
        name: input.name,
      });
    });
    return this.ownerView(row);
  }

  private async validatePatch(row: StudioRow, patch: StudioPatch): Promise<void> {
    if (patch.city && !(await this.db.cities.cityExists(patch.city)))
      throw new ValidationError('Unknown city', [{ path: 'patch.city', message: 'unknown city' }]);
    const min = patch.hourlyMinCents ?? row.hourly_min_cents;
    const max = patch.hourlyMaxCents ?? row.hourly_max_cents;
    if (min !== null && max !== null && min > max)
      throw new ValidationError('hourlyMinCents must not exceed hourlyMaxCents', [
        { path: 'patch.hourlyMinCents', message: 'greater than hourlyMaxCents' },
      ]);
  }

  async saveDraft(caller: Caller, input: SaveStudioDraftInput) {
    return this.ownerView(
      await this.workflow.saveDraft(caller, {
        id: input.studioId,
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

  private async announce(tx: ProfilesTx, type: StudioEvent, row: StudioRow): Promise<void> {
    await enqueueEvent(
      tx,
      buildEvent(type, { studioId: row.id, slug: row.slug, city: row.city_code, version: row.version }),
    );
  }

  async publicStudio(slug: string): Promise<PublicStudioView> {
    // One round trip: the page's row, city, verification and media in one statement. AppSync caches
    // the answer by slug (cachedReads); the profiles-public-cache consumer evicts it.
    const page = await this.db.studios.findPublicPage(slug);
    if (!page) throw new NotFoundError('Studio not found');
    return renderPublicStudio(page, {
      mediaPublicBaseUrl: this.settings.mediaPublicBaseUrl,
      canonicalUrl: this.publicUrl(page.row.slug),
    });
  }
}
