/**
 * The media API: reserve an upload (presigned POST), verify it at upload-complete, order the
 * portfolio, choose a cover, and the admin decision on flagged items. The heavy work (sniffing
 * again, EXIF stripping, variants, classification) happens in the worker (media-worker.service.ts).
 */
import type { Clock } from '../core/clock.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import { guardNotErased } from '../core/db/erased-users.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent, type EventType } from '../core/events/catalog.ts';
import {
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  ValidationError,
} from '../core/errors.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { requireStaffRole, type StaffAuthority } from '../core/staff-authority.ts';
import { requireRecentStepUp, STEP_UP_MAX_AGE_SECONDS } from '../core/step-up.ts';
import { newId } from '../core/ids.ts';
import type { ObjectStore } from '../core/ports.ts';
import {
  ALLOWED_IMAGE_TYPES,
  MAX_CONCURRENT_UPLOADS,
  MAX_UPLOAD_BYTES,
  SNIFF_BYTES,
  UPLOAD_URL_TTL_SECONDS,
  incomingKey,
  sniffImageType,
  uploadPolicy,
  type AllowedImageType,
} from './media-policy.ts';
import {
  MEDIA_PUBLISHABLE,
  MEDIA_WITHDRAWN,
  objectKeysOf,
  withdrawalPayload,
  type ObjectKeys,
} from './media-publication.ts';
import { UnsupportedMediaTypeError, UploadIncompleteError } from './media.errors.ts';
import { toOwnerMediaView, type OwnerMediaView } from './media.mapper.ts';
import type { MediaBuckets } from './media.config.ts';
import type { MediaData } from './media.repositories.ts';
import type { MediaRow } from './media.repository.ts';
import { tombstone } from './media-tombstone.ts';
import type { DecideModerationInput, ReorderInput, RequestUploadInput } from './media.schemas.ts';

export type { MediaBuckets } from './media.config.ts';

export const MEDIA_UPLOADED = 'media.uploaded' satisfies EventType;
export const MEDIA_PROCESSED = 'media.processed' satisfies EventType;

export class MediaService {
  constructor(
    private readonly db: MediaData,
    private readonly store: ObjectStore,
    private readonly buckets: MediaBuckets,
    private readonly clock: Clock,
    private readonly staff: StaffAuthority,
  ) {}

  private view(row: MediaRow): OwnerMediaView {
    return toOwnerMediaView(row, this.buckets.publicBaseUrl);
  }

  async requestUpload(caller: Caller, input: RequestUploadInput) {
    const user = requireUser(caller);
    if (!(ALLOWED_IMAGE_TYPES as readonly string[]).includes(input.contentType)) {
      throw new UnsupportedMediaTypeError(`Only ${ALLOWED_IMAGE_TYPES.join(', ')} are accepted`, {
        allowed: [...ALLOWED_IMAGE_TYPES],
      });
    }
    if (input.sizeBytes > MAX_UPLOAD_BYTES)
      throw new PayloadTooLargeError('Uploads are limited to 50 MB', { maxBytes: MAX_UPLOAD_BYTES });
    const contentType = input.contentType as AllowedImageType;
    if (!(await this.db.media.ownsTarget(user.userId, input.ownerType, input.ownerId)))
      throw new NotFoundError('Not found');

    const id = newId('media');
    const key = incomingKey(user.userId, id);
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      // An erased account's still-valid token reserves nothing (erased-users.ts: lock protocol).
      await guardNotErased(tx, user.userId);
      await tx.media.lockUser(user.userId);
      await tx.media.dropExpiredReservations(user.userId, now);
      const inFlight = await tx.media.inFlight(user.userId);
      if (inFlight.count >= MAX_CONCURRENT_UPLOADS) {
        const retryAfter = inFlight.oldestExpiry
          ? Math.max(1, Math.ceil((inFlight.oldestExpiry.getTime() - now.getTime()) / 1000))
          : UPLOAD_URL_TTL_SECONDS;
        throw new RateLimitedError(
          `At most ${MAX_CONCURRENT_UPLOADS} uploads may be in flight; complete or wait for one`,
          retryAfter,
        );
      }
      return tx.media.insertReservation({
        id,
        ownerUserId: user.userId,
        ownerType: input.ownerType,
        ownerId: input.ownerId,
        contentType,
        sizeBytes: input.sizeBytes,
        incomingKey: key,
        crop: input.crop ?? null,
        alt: input.alt ?? null,
        expiresAt: new Date(now.getTime() + UPLOAD_URL_TTL_SECONDS * 1000),
      });
    });
    const policy = uploadPolicy({ key, contentType });
    const post = await this.store.presignPost({
      bucket: this.buckets.originals,
      key,
      conditions: policy.conditions,
      fields: policy.fields,
      expiresSeconds: UPLOAD_URL_TTL_SECONDS,
    });
    return {
      media: this.view(row),
      upload: {
        url: post.url,
        fields: post.fields,
        expiresAt: row.upload_expires_at.toISOString(),
        maxBytes: MAX_UPLOAD_BYTES,
      },
    };
  }

  /**
   * Checks the real object, not the browser's word: it must exist, fit the cap and sniff as the
   * declared allowed type. A refusal removes the object and the reservation, so nothing half-made
   * remains; success moves the item to PROCESSING and queues moderation in the same transaction.
   */
  async completeUpload(caller: Caller, mediaId: string): Promise<OwnerMediaView> {
    const user = requireUser(caller);
    const row = await this.db.media.findOwned(mediaId, user.userId);
    if (!row) throw new NotFoundError('Not found');
    if (row.status !== 'AWAITING_UPLOAD') return this.view(row); // completing twice is harmless

    const discard = async () => {
      await this.store.delete(this.buckets.originals, row.incoming_key).catch(() => undefined);
      await this.db.media.delete(row.id);
    };
    const head = await this.store.head(this.buckets.originals, row.incoming_key);
    if (!head) {
      await this.db.media.delete(row.id);
      throw new UploadIncompleteError('No uploaded object was found; request a new upload');
    }
    if (head.sizeBytes > MAX_UPLOAD_BYTES) {
      await discard();
      throw new PayloadTooLargeError('Uploads are limited to 50 MB', { maxBytes: MAX_UPLOAD_BYTES });
    }
    const sniffed = await sniffImageType(
      await this.store.readPrefix(this.buckets.originals, row.incoming_key, SNIFF_BYTES),
    );
    if (sniffed === null || sniffed !== row.declared_content_type) {
      await discard();
      throw new UnsupportedMediaTypeError('The file content does not match its declared type', {
        declared: row.declared_content_type,
        allowed: [...ALLOWED_IMAGE_TYPES],
      });
    }
    const updated = await this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId);
      const moved = await tx.media.markProcessing(row.id, sniffed, head.sizeBytes);
      if (moved) await enqueueEvent(tx, buildEvent(MEDIA_UPLOADED, { mediaId: row.id }));
      return moved;
    });
    return this.view(updated ?? (await this.db.media.findById(row.id))!);
  }

  async myMedia(caller: Caller, mediaId: string): Promise<OwnerMediaView> {
    const user = requireUser(caller);
    const row = await this.db.media.findOwned(mediaId, user.userId);
    if (!row) throw new NotFoundError('Not found');
    return this.view(row);
  }

  async reorder(caller: Caller, input: ReorderInput): Promise<OwnerMediaView[]> {
    const user = requireUser(caller);
    if (!(await this.db.media.ownsTarget(user.userId, input.ownerType, input.ownerId)))
      throw new NotFoundError('Not found');
    if (new Set(input.mediaIds).size !== input.mediaIds.length)
      throw new ValidationError('mediaIds contains duplicates');
    return this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId);
      const current = await tx.media.listByOwner(input.ownerType, input.ownerId);
      const known = new Set(current.filter((row) => row.status !== 'REJECTED').map((row) => row.id));
      // Other people's (or unknown) ids are indistinguishable from missing ones.
      if (input.mediaIds.some((id) => !known.has(id))) throw new NotFoundError('Not found');
      // Items not named keep their relative order after the named ones.
      const named = new Set<string>(input.mediaIds);
      const rest = current.filter((row) => !named.has(row.id)).map((row) => row.id);
      await tx.media.setOrder(input.ownerType, input.ownerId, [...input.mediaIds, ...rest]);
      await enqueueEvent(tx, buildEvent('media.reordered', { ownerType: input.ownerType, ownerId: input.ownerId }));
      return (await tx.media.listByOwner(input.ownerType, input.ownerId)).map((row) => this.view(row));
    });
  }

  async setCover(caller: Caller, mediaId: string): Promise<OwnerMediaView> {
    const user = requireUser(caller);
    return this.db.transaction(async (tx) => {
      await guardNotErased(tx, user.userId);
      const row = await tx.media.findOwned(mediaId, user.userId);
      if (!row || row.owner_type === 'VERIFICATION') throw new NotFoundError('Not found');
      // A cover is public: only a moderated, SFW item qualifies.
      if (row.status !== 'READY' || row.nsfw_band !== 0)
        throw new ValidationError('Only moderated, safe images can be the cover');
      await tx.media.setCover(row);
      await enqueueEvent(
        tx,
        buildEvent('media.cover_changed', { ownerType: row.owner_type, ownerId: row.owner_id, mediaId }),
      );
      return this.view((await tx.media.findById(row.id))!);
    });
  }

  /**
   * The row becomes a tombstone and `media.withdrawn` (retried until every object is gone) commits
   * with it; the row lock makes a concurrent publication either finish first (its copies are then
   * in the withdrawal) or find the tombstone and copy nothing.
   */
  async delete(caller: Caller, mediaId: string): Promise<boolean> {
    const user = requireUser(caller);
    const keys = await this.db.transaction(async (tx) => {
      const row = await tx.media.findOwned(mediaId, user.userId, true);
      if (!row) throw new NotFoundError('Not found');
      return tombstone(tx, row, 'owner');
    });
    await this.removeNow(keys);
    return true;
  }

  /** The fast path of a withdrawal (the committed media.withdrawn event is the guaranteed one). */
  private async removeNow(keys: ObjectKeys): Promise<void> {
    await Promise.allSettled([
      ...keys.public.map((key) => this.store.delete(this.buckets.public, key)),
      ...keys.originals.map((key) => this.store.delete(this.buckets.originals, key)),
    ]);
  }

  async moderationQueue(caller: Caller) {
    await requireStaffRole(this.staff, caller, 'admin', 'trust');
    const cases = await this.db.media.pendingCases();
    return cases.map((item) => ({
      mediaId: item.media_id,
      ownerType: item.owner_type,
      ownerId: item.owner_id,
      nsfwBand: item.nsfw_band,
      labels: item.labels,
      status: item.status,
      createdAt: item.created_at.toISOString(),
    }));
  }

  /**
   * APPROVE: a person judged the classifier wrong; the item becomes band 0 and `media.publishable`
   * commits with the decision, so the publisher copies the variants only after this commit, and only
   * if the item is still publishable then. REJECT (of a pending case, re-moderation of an approved one, or a takedown of an automatically approved
   * one): the item never becomes public again; `media.withdrawn` removes its public and private
   * copies. Admin decisions need a recent second factor, and nobody moderates their own media.
   */
  async decideModeration(caller: Caller, input: DecideModerationInput): Promise<OwnerMediaView> {
    await requireStaffRole(this.staff, caller, 'admin', 'trust');
    const admin = requireRecentStepUp(caller, this.clock, STEP_UP_MAX_AGE_SECONDS);
    const approve = input.decision === 'APPROVE';
    const { updated, withdrawn } = await this.db.transaction(async (tx) => {
      const row = await tx.media.findById(input.mediaId, true);
      const decidable =
        row && (approve ? row.status === 'FLAGGED' : row.status === 'FLAGGED' || row.status === 'READY');
      if (!row || !decidable) throw new NotFoundError('No pending moderation case for this media');
      if (row.owner_user_id === admin.userId) throw new ForbiddenError('You cannot moderate your own media');
      // A READY item approved automatically (band 0) has no case: a takedown opens one (as APPROVED,
      // what the classifier decided) and then decides it like any re-moderation, audited below.
      let openedCase = false;
      if (!approve && row.status === 'READY' && !(await tx.media.hasCase(row.id))) {
        await tx.media.openTakedownCase(row.id, row.nsfw_band ?? 0);
        openedCase = true;
      }
      const from = approve ? (['PENDING'] as const) : (['PENDING', 'APPROVED'] as const);
      if (
        !(await tx.media.decideCase(
          row.id,
          approve ? 'APPROVED' : 'REJECTED',
          admin.userId,
          input.reason ?? null,
          from,
        ))
      )
        throw new NotFoundError('No pending moderation case for this media');
      await tx.media.setDecision(row.id, approve ? 'READY' : 'REJECTED', approve ? 0 : null);
      await appendAudit(
        tx,
        {
          actor: admin.userId,
          action: `media.moderation.${approve ? 'approved' : 'rejected'}`,
          subject: `media:${row.id}`,
          details: {
            band: row.nsfw_band,
            reason: input.reason ?? null,
            previousStatus: row.status,
            caseOpened: openedCase,
          },
        },
        this.clock.now(),
      );
      await enqueueEvent(
        tx,
        buildEvent(MEDIA_PROCESSED, {
          mediaId: row.id,
          ownerType: row.owner_type,
          ownerId: row.owner_id,
          status: approve ? 'READY' : 'REJECTED',
        }),
      );
      let keys: ObjectKeys | null = null;
      if (approve) {
        await enqueueEvent(tx, buildEvent(MEDIA_PUBLISHABLE, { mediaId: row.id }));
      } else {
        // The original stays (evidence for appeals); every variant, public or private, goes.
        keys = { originals: row.variants.map((variant) => variant.key), public: objectKeysOf(row).public };
        await enqueueEvent(tx, buildEvent(MEDIA_WITHDRAWN, withdrawalPayload(row, keys)));
      }
      return { updated: (await tx.media.findById(row.id))!, withdrawn: keys };
    });
    if (withdrawn) await this.removeNow(withdrawn);
    return this.view(updated);
  }
}
