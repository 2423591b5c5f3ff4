/**
 * The profiles domain's part of account deletion (consumer of auth's `user.deleted`): every profile
 * and studio of the account is unpublished and marked ERASED (public reads filter on that in SQL),
 * contact details, links, exact addresses and the profile's name and prose are erased, nudges and
 * digests stop, and the indexer hears profile.unpublished / studio.unpublished. Ids stay as
 * pseudonyms, because bookings, reviews and the audit chain refer to them; slugs, built from the
 * display name, are replaced by one built from the id (erased-slug.ts), and the events carry that
 * (also the listing events already in the outbox). Idempotent per event (consumeOnce), and a second
 * `user.deleted` for the same account finds nothing ACTIVE left to change.
 */
import { markErased } from '../core/db/erased-users.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import { buildEvent, type DomainEvent } from '../core/events/catalog.ts';
import type { Logger } from '../core/log.ts';
import type { scrubListingSlugs } from './outbox-slug-scrub.ts';
import type { ProfilesData } from './profiles.repositories.ts';

export const OWNER_ERASURE_CONSUMER = 'profiles-user-deleted';

export class OwnerErasureService {
  constructor(
    private readonly db: ProfilesData,
    private readonly logger: Logger,
    /**
     * Evicts the erased listings' cached public pages, under the slugs they had (their events carry
     * the replaced ones). After commit, never throwing: the fast path only; the pending evictions
     * recorded in the transaction are what makes it reliable (erased-page-evictions.ts).
     */
    private readonly forgetSlugs: (slugs: { profiles: string[]; studios: string[] }) => Promise<void> = async () =>
      undefined,
    /** Replaces the old slugs in the listings' outbox events (outbox-slug-scrub.ts), in the erasure's transaction. */
    private readonly scrubSlugs: typeof scrubListingSlugs = async () => 0,
  ) {}

  async onUserDeleted(event: DomainEvent<'user.deleted'>): Promise<void> {
    const { userId } = event.payload;
    const erased = { profiles: [] as string[], studios: [] as string[] };
    const renamed: { aggregateType: 'profile' | 'studio'; id: string; slug: string }[] = [];
    await consumeOnce(this.db, OWNER_ERASURE_CONSUMER, event, async (tx) => {
      // First: the exclusive per-user lock and the erased_users marker, so no write of a still-valid
      // access token can commit after this erasure (erased-users.ts explains the lock protocol).
      await markErased(tx, userId);
      for (const row of await tx.profiles.eraseOwner(userId)) {
        erased.profiles.push(row.previous_slug);
        renamed.push({ aggregateType: 'profile', id: row.id, slug: row.slug });
        if (row.previous_status !== 'PUBLISHED') continue;
        // Only a published page can be cached; its event's consumer evicts it (erased-page-evictions.ts).
        await tx.pageEvictions.record('PROFILE', row.id, row.previous_slug);
        await enqueueEvent(
          tx,
          buildEvent('profile.unpublished', {
            profileId: row.id,
            ownerUserId: userId,
            role: row.role,
            slug: row.slug,
            city: row.city_code,
            version: row.version,
            reason: 'account_deleted',
          }),
        );
      }
      for (const row of await tx.studios.eraseOwner(userId)) {
        erased.studios.push(row.previous_slug);
        renamed.push({ aggregateType: 'studio', id: row.id, slug: row.slug });
        if (row.previous_status !== 'PUBLISHED') continue;
        await tx.pageEvictions.record('STUDIO', row.id, row.previous_slug);
        await enqueueEvent(
          tx,
          buildEvent('studio.unpublished', {
            studioId: row.id,
            slug: row.slug,
            city: row.city_code,
            version: row.version,
            reason: 'account_deleted',
          }),
        );
      }
      await tx.notifications.disableAll(userId);
      // The slugs already in the outbox's listing events go too (outbox-slug-scrub.ts).
      await this.scrubSlugs(tx, renamed);
    });
    await this.forgetSlugs(erased);
    this.logger.info('account erased from profiles', {
      userId,
      profiles: erased.profiles.length,
      studios: erased.studios.length,
    });
  }
}
