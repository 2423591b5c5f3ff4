/**
 * The owner-side wizard both listings (service profiles, studios) run: owned-row lookup, step
 * gating (onboarding.ts), autosave under optimistic concurrency (draft-update.ts),
 * completeness-gated publish/unpublish, outbox events and public-cache eviction. Each service
 * supplies a ListingDescriptor with what differs (steps, facts, repository, codes, events) and
 * keeps its own views, creation and public page.
 */
import { guardNotErased } from '../core/db/erased-users.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { isId, type IdKind } from '../core/ids.ts';
import type { Completeness } from './completeness.ts';
import { isUnlocked, publishBlockers, type OnboardingStep } from './onboarding.ts';
import type { CompleteStepInput } from './profiles.schemas.ts';
import { ListingTakenDownError, PreconditionFailedError } from './profiles.errors.ts';
import type { ProfilesData, ProfilesRepositories, ProfilesTx } from './profiles.repositories.ts';

/** The columns the workflow reads; ProfileRow and StudioRow both have them. */
export interface ListingRow {
  readonly id: string;
  readonly owner_user_id: string;
  readonly slug: string;
  readonly status: 'DRAFT' | 'PUBLISHED' | 'UNPUBLISHED' | 'TAKEN_DOWN';
  readonly version: number;
  readonly completed_steps: readonly string[];
}

export interface ListingRepository<Row extends ListingRow> {
  findOwned(id: string, userId: string, forUpdate?: boolean): Promise<Row | null>;
  /** Null when the id is not the owner's or the version is stale. */
  saveDraft(input: {
    id: string;
    ownerUserId: string;
    expectedVersion: number;
    patch: Record<string, unknown>;
    extra?: Record<string, unknown>;
  }): Promise<Row | null>;
  setStatus(id: string, status: 'PUBLISHED' | 'UNPUBLISHED'): Promise<Row>;
}

export interface ListingDescriptor<
  Row extends ListingRow,
  Facts,
  Patch extends Record<string, unknown>,
  Event extends string,
> {
  /** Lower-case noun in messages: "The studio changed since you loaded it". */
  readonly label: string;
  /** Answered for malformed, unknown, other people's and erased owners' ids alike. */
  readonly notFoundMessage: string;
  readonly idKind: IdKind;
  /** Names the wizard in "X is not a provider step". */
  readonly stepKind: string;
  readonly steps: readonly OnboardingStep[];
  /** The steps whose requirements must hold to publish (onboarding.ts), and the one holding images. */
  readonly publishSteps: readonly OnboardingStep[];
  readonly imageStep: OnboardingStep;
  stepMissing(step: OnboardingStep, facts: Facts): string[];
  /** The listing's repository within a scope (the unit of work, or one transaction). */
  readonly repository: (scope: ProfilesRepositories) => ListingRepository<Row>;
  facts(row: Row, tx?: ProfilesRepositories): Promise<{ facts: Facts & { safeMediaCount: number } }>;
  completeness(facts: Facts): Completeness;
  /** Field checks that need the current row or the database (cities, min ≤ max). */
  validatePatch(row: Row, patch: Patch): Promise<void>;
  readonly codes: {
    readonly versionConflict: string;
    readonly belowThreshold: string;
    /** Required wizard steps (or the approved image) missing: errorInfo names them. */
    readonly notReady: string;
  };
  readonly events: { readonly updated: Event; readonly published: Event; readonly unpublished: Event };
  announce(tx: ProfilesTx, type: Event, row: Row, extra?: Record<string, unknown>): Promise<void>;
  /** Extra payload on the published event (profiles carry the completeness score). */
  publishedEventExtra?(completeness: Completeness): Record<string, unknown>;
}

export class ListingWorkflow<
  Row extends ListingRow,
  Facts,
  Patch extends Record<string, unknown>,
  Event extends string,
> {
  constructor(
    private readonly db: ProfilesData,
    private readonly listing: ListingDescriptor<Row, Facts, Patch, Event>,
    /** Evicts the listing's cached public page after a committed write (never throws). */
    private readonly evictPage: (slug: string) => Promise<void>,
  ) {}

  async owned(caller: Caller, id: string, tx: ProfilesRepositories = this.db, forUpdate = false): Promise<Row> {
    const user = requireUser(caller);
    // Malformed, unknown and other people's ids all answer the same NOT_FOUND.
    const row = isId(this.listing.idKind, id)
      ? await this.listing.repository(tx).findOwned(id, user.userId, forUpdate)
      : null;
    if (!row) throw new NotFoundError(this.listing.notFoundMessage);
    return row;
  }

  /** Steps stay complete only while their requirements hold (clearing the headline reopens BASICS). */
  effectiveCompleted(row: Row, facts: Facts): string[] {
    return row.completed_steps.filter((step) => this.listing.stepMissing(step as OnboardingStep, facts).length === 0);
  }

  private requireStep(step: OnboardingStep): void {
    if (!(this.listing.steps as readonly string[]).includes(step))
      throw new ValidationError(`${step} is not a ${this.listing.stepKind} step`);
  }

  private requireUnlocked(completed: readonly string[], step: OnboardingStep): void {
    if (!isUnlocked(this.listing.steps, completed, step))
      throw new PreconditionFailedError('Finish the earlier steps first', 'ONBOARDING.STEP_LOCKED', { step });
  }

  /** Autosave. A stale expectedVersion is a CONFLICT carrying the current version, never an overwrite. */
  async saveDraft(
    caller: Caller,
    input: { id: string; expectedVersion: number; step?: OnboardingStep | null | undefined; patch: Patch },
  ): Promise<Row> {
    const { repository, notFoundMessage } = this.listing;
    const user = requireUser(caller);
    const current = await this.owned(caller, input.id);
    if (input.step) {
      this.requireStep(input.step);
      const { facts } = await this.listing.facts(current);
      this.requireUnlocked(this.effectiveCompleted(current, facts), input.step);
    }
    await this.listing.validatePatch(current, input.patch);
    const saved = await this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId, notFoundMessage);
      const row = await repository(tx).saveDraft({
        id: current.id,
        ownerUserId: user.userId,
        expectedVersion: input.expectedVersion,
        patch: input.patch,
      });
      if (!row) {
        const latest = await repository(tx).findOwned(current.id, user.userId);
        if (!latest) throw new NotFoundError(notFoundMessage);
        throw new ConflictError(
          `The ${this.listing.label} changed since you loaded it; reload and reapply your edit`,
          this.listing.codes.versionConflict,
          { currentVersion: latest.version },
        );
      }
      if (row.status === 'PUBLISHED') await this.listing.announce(tx, this.listing.events.updated, row);
      return row;
    });
    await this.evictPage(saved.slug);
    return saved;
  }

  async completeStep(caller: Caller, input: CompleteStepInput): Promise<Row> {
    const { repository, notFoundMessage } = this.listing;
    const user = requireUser(caller);
    const current = await this.owned(caller, input.id);
    this.requireStep(input.step);
    const { facts } = await this.listing.facts(current);
    const completed = this.effectiveCompleted(current, facts);
    this.requireUnlocked(completed, input.step);
    const missing = this.listing.stepMissing(input.step, facts);
    if (missing.length)
      throw new PreconditionFailedError(`Step ${input.step} is not complete`, 'ONBOARDING.STEP_INCOMPLETE', {
        step: input.step,
        missing,
      });
    const steps = [...new Set([...completed, input.step])];
    return this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId, notFoundMessage);
      const updated = await repository(tx).saveDraft({
        id: current.id,
        ownerUserId: user.userId,
        expectedVersion: input.expectedVersion,
        patch: {},
        extra: { completed_steps: steps },
      });
      if (!updated) {
        // Like saveDraft: tell the client which version to reload, whatever the listing kind.
        const message = `The ${this.listing.label} changed since you loaded it`;
        throw new ConflictError(message, this.listing.codes.versionConflict, {
          currentVersion: (await repository(tx).findOwned(current.id, user.userId))?.version ?? null,
        });
      }
      return updated;
    });
  }

  /**
   * Runs `change` on the owner's row locked FOR UPDATE (the owner not erased meanwhile), then
   * evicts the cached public page: the shape of publish, unpublish and other owner toggles.
   */
  async changeLocked(caller: Caller, id: string, change: (tx: ProfilesTx, locked: Row) => Promise<Row>): Promise<Row> {
    const { repository, notFoundMessage } = this.listing;
    const current = await this.owned(caller, id);
    const row = await this.db.transaction(async (tx) => {
      await guardNotErased(tx, current.owner_user_id, notFoundMessage);
      const locked = await repository(tx).findOwned(current.id, current.owner_user_id, true);
      if (!locked) throw new NotFoundError(notFoundMessage);
      return change(tx, locked);
    });
    await this.evictPage(row.slug);
    return row;
  }

  /**
   * Publishing needs every required wizard step's requirements to hold (at least one approved
   * image among them), then the completeness threshold. The refusal lists what is missing. The
   * steps are judged on what the listing holds, and recorded complete when it publishes, so the
   * wizard never shows an earlier step for a published listing.
   */
  async publish(caller: Caller, id: string): Promise<Row> {
    return this.changeLocked(caller, id, async (tx, locked) => {
      // A copyright takedown is lifted by the DMCA restore after a counter notice, never by the owner.
      if (locked.status === 'TAKEN_DOWN') throw new ListingTakenDownError(this.listing.label);
      const { facts } = await this.listing.facts(locked, tx);
      const completeness = this.listing.completeness(facts);
      const blockers = publishBlockers(
        this.listing.publishSteps,
        this.listing.imageStep,
        (step, stepFacts) => this.listing.stepMissing(step, stepFacts),
        facts,
      );
      if (blockers.missingSteps.length) {
        throw new PreconditionFailedError(
          `Finish ${blockers.missing.map((entry) => `${entry.step} (${entry.items.join(', ')})`).join('; ')} before publishing`,
          this.listing.codes.notReady,
          {
            missingSteps: blockers.missingSteps,
            missing: blockers.missing,
            approvedImages: facts.safeMediaCount,
            score: completeness.score,
            threshold: completeness.publishThreshold,
          },
        );
      }
      if (!completeness.canPublish) {
        throw new PreconditionFailedError(
          `Completeness ${completeness.score} is below the publish threshold ${completeness.publishThreshold}`,
          this.listing.codes.belowThreshold,
          {
            score: completeness.score,
            threshold: completeness.publishThreshold,
            missing: completeness.items.filter((item) => !item.done).map((item) => item.key),
          },
        );
      }
      if (locked.status === 'PUBLISHED') return locked;
      const done = new Set([...this.effectiveCompleted(locked, facts), ...this.listing.publishSteps]);
      const steps = this.listing.steps.filter((step) => done.has(step));
      const recorded =
        steps.length === locked.completed_steps.length && steps.every((step) => locked.completed_steps.includes(step))
          ? locked
          : await this.listing.repository(tx).saveDraft({
              id: locked.id,
              ownerUserId: locked.owner_user_id,
              expectedVersion: locked.version,
              patch: {},
              extra: { completed_steps: steps },
            });
      if (!recorded) throw new Error('locked listing changed under its row lock');
      const published = await this.listing.repository(tx).setStatus(recorded.id, 'PUBLISHED');
      await this.listing.announce(
        tx,
        this.listing.events.published,
        published,
        this.listing.publishedEventExtra?.(completeness),
      );
      return published;
    });
  }

  async unpublish(caller: Caller, id: string): Promise<Row> {
    return this.changeLocked(caller, id, async (tx, locked) => {
      if (locked.status !== 'PUBLISHED') return locked;
      const unpublished = await this.listing.repository(tx).setStatus(locked.id, 'UNPUBLISHED');
      await this.listing.announce(tx, this.listing.events.unpublished, unpublished);
      return unpublished;
    });
  }
}
