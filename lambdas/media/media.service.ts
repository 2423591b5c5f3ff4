/**
 * The media API: reserve an upload (presigned POST), verify it at upload-complete, order the
 * portfolio, choose a cover, and the admin decision on flagged items. The heavy work (sniffing
 * again, EXIF stripping, variants, classification) happens in the worker (media-worker.service.ts).
 */
import type { Clock } from '../core/clock.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import type { Database } from '../core/db/database.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { NotFoundError, PayloadTooLargeError, RateLimitedError, ValidationError } from '../core/errors.ts';
import { requireRole, requireUser, type Caller } from '../core/identity.ts';
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
import { UnsupportedMediaTypeError, UploadIncompleteError } from './media.errors.ts';
import { toOwnerMediaView, type OwnerMediaView } from './media.mapper.ts';
import { MediaRepository, type MediaRow } from './media.repository.ts';
import type { DecideModerationInput, ReorderInput, RequestUploadInput } from './media.schemas.ts';

export interface MediaBuckets {
  readonly originals: string;
  readonly public: string;
  readonly publicBaseUrl: string;
}

export const MEDIA_UPLOADED = 'media.uploaded';
export const MEDIA_PROCESSED = 'media.processed';

export class MediaService {
  private readonly repository: MediaRepository;

  constructor(
    private readonly db: Database,
    private readonly store: ObjectStore,
    private readonly buckets: MediaBuckets,
    private readonly clock: Clock,
  ) {
    this.repository = new MediaRepository(db);
  }

  private view(row: MediaRow): OwnerMediaView {
    return toOwnerMediaView(row, this.buckets.publicBaseUrl);
  }

  async requestUpload(caller: Caller, input: RequestUploadInput) {
    const user = requireUser(caller);
    if (!(ALLOWED_IMAGE_TYPES as readonly string[]).includes(input.contentType)) {
      throw new UnsupportedMediaTypeError(`Only ${ALLOWED_IMAGE_TYPES.join(', ')} are accepted`, { allowed: [...ALLOWED_IMAGE_TYPES] });
    }
    if (input.sizeBytes > MAX_UPLOAD_BYTES) throw new PayloadTooLargeError('Uploads are limited to 50 MB', { maxBytes: MAX_UPLOAD_BYTES });
    const contentType = input.contentType as AllowedImageType;
    if (!(await MediaRepository.ownsTarget(this.db, user.userId, input.ownerType, input.ownerId))) throw new NotFoundError('Not found');

    const id = newId('media');
    const key = incomingKey(user.userId, id);
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      await MediaRepository.lockUser(tx, user.userId);
      await MediaRepository.dropExpiredReservations(tx, user.userId, now);
      const inFlight = await MediaRepository.inFlight(tx, user.userId);
      if (inFlight.count >= MAX_CONCURRENT_UPLOADS) {
        const retryAfter = inFlight.oldestExpiry ? Math.max(1, Math.ceil((inFlight.oldestExpiry.getTime() - now.getTime()) / 1000)) : UPLOAD_URL_TTL_SECONDS;
        throw new RateLimitedError(`At most ${MAX_CONCURRENT_UPLOADS} uploads may be in flight; complete or wait for one`, retryAfter);
      }
      return MediaRepository.insertReservation(tx, {
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
    const post = await this.store.presignPost({ bucket: this.buckets.originals, key, conditions: policy.conditions, fields: policy.fields, expiresSeconds: UPLOAD_URL_TTL_SECONDS });
    return {
      media: this.view(row),
      upload: { url: post.url, fields: post.fields, expiresAt: row.upload_expires_at.toISOString(), maxBytes: MAX_UPLOAD_BYTES },
    };
  }

  /**
   * Checks the real object, not the browser's word: it must exist, fit the cap and sniff as the
   * declared allowed type. A refusal removes the object and the reservation, so nothing half-made
   * remains; success moves the item to PROCESSING and queues moderation in the same transaction.
   */
  async completeUpload(caller: Caller, mediaId: string): Promise<OwnerMediaView> {
    const user = requireUser(caller);
    const row = await this.repository.findOwned(mediaId, user.userId);
    if (!row) throw new NotFoundError('Not found');
    if (row.status !== 'AWAITING_UPLOAD') return this.view(row); // completing twice is harmless

    const discard = async () => {
      await this.store.delete(this.buckets.originals, row.incoming_key).catch(() => undefined);
      await this.repository.delete(row.id);
    };
    const head = await this.store.head(this.buckets.originals, row.incoming_key);
    if (!head) {
      await this.repository.delete(row.id);
      throw new UploadIncompleteError('No uploaded object was found; request a new upload');
    }
    if (head.sizeBytes > MAX_UPLOAD_BYTES) {
      await discard();
      throw new PayloadTooLargeError('Uploads are limited to 50 MB', { maxBytes: MAX_UPLOAD_BYTES });
    }
    const sniffed = await sniffImageType(await this.store.readPrefix(this.buckets.originals, row.incoming_key, SNIFF_BYTES));
    if (sniffed === null || sniffed !== row.declared_content_type) {
      await discard();
      throw new UnsupportedMediaTypeError('The file content does not match its declared type', { declared: row.declared_content_type, allowed: [...ALLOWED_IMAGE_TYPES] });
    }
    const updated = await this.db.transaction(async (tx) => {
      const moved = await this.repository.markProcessing(tx, row.id, sniffed, head.sizeBytes);
      if (moved) await enqueueEvent(tx, { type: MEDIA_UPLOADED, aggregateType: 'media', aggregateId: row.id, payload: { mediaId: row.id } });
      return moved;
    });
    return this.view(updated ?? (await this.repository.findById(row.id))!);
  }

  async myMedia(caller: Caller, mediaId: string): Promise<OwnerMediaView> {
    const user = requireUser(caller);
    const row = await this.repository.findOwned(mediaId, user.userId);
    if (!row) throw new NotFoundError('Not found');
    return this.view(row);
  }

  async reorder(caller: Caller, input: ReorderInput): Promise<OwnerMediaView[]> {
    const user = requireUser(caller);
    if (!(await MediaRepository.ownsTarget(this.db, user.userId, input.ownerType, input.ownerId))) throw new NotFoundError('Not found');
    if (new Set(input.mediaIds).size !== input.mediaIds.length) throw new ValidationError('mediaIds contains duplicates');
    return this.db.transaction(async (tx) => {
      const current = await this.repository.listByOwner(input.ownerType, input.ownerId, tx);
      const known = new Set(current.filter((row) => row.status !== 'REJECTED').map((row) => row.id));
      // Other people's (or unknown) ids are indistinguishable from missing ones.
      if (input.mediaIds.some((id) => !known.has(id))) throw new NotFoundError('Not found');
      // Items not named keep their relative order after the named ones.
      const named = new Set<string>(input.mediaIds);
      const rest = current.filter((row) => !named.has(row.id)).map((row) => row.id);
      await this.repository.setOrder(tx, input.ownerType, input.ownerId, [...input.mediaIds, ...rest]);
      await enqueueEvent(tx, { type: 'media.reordered', aggregateType: input.ownerType.toLowerCase(), aggregateId: input.ownerId, payload: { ownerType: input.ownerType, ownerId: input.ownerId } });
      return (await this.repository.listByOwner(input.ownerType, input.ownerId, tx)).map((row) => this.view(row));
    });
  }

  async setCover(caller: Caller, mediaId: string): Promise<OwnerMediaView> {
    const user = requireUser(caller);
    return this.db.transaction(async (tx) => {
      const row = await this.repository.findOwned(mediaId, user.userId, tx);
      if (!row || row.owner_type === 'VERIFICATION') throw new NotFoundError('Not found');
      // A cover is public: only a moderated, SFW item qualifies.
      if (row.status !== 'READY' || row.nsfw_band !== 0) throw new ValidationError('Only moderated, safe images can be the cover');
      await this.repository.setCover(tx, row);
      await enqueueEvent(tx, { type: 'media.cover_changed', aggregateType: row.owner_type.toLowerCase(), aggregateId: row.owner_id, payload: { ownerType: row.owner_type, ownerId: row.owner_id, mediaId } });
      return this.view((await this.repository.findById(row.id, tx))!);
    });
  }

  async delete(caller: Caller, mediaId: string): Promise<boolean> {
    const user = requireUser(caller);
    const row = await this.repository.findOwned(mediaId, user.userId);
    if (!row) throw new NotFoundError('Not found');
    await this.db.transaction(async (tx) => {
      await this.repository.delete(row.id, tx);
      await enqueueEvent(tx, { type: 'media.deleted', aggregateType: row.owner_type.toLowerCase(), aggregateId: row.owner_id, payload: { ownerType: row.owner_type, ownerId: row.owner_id, mediaId } });
    });
    // Objects after the commit: a failed delete leaves an unreferenced object, never a dangling row.
    const keys = [row.incoming_key, row.original_key, ...row.variants.map((variant) => variant.key)].filter((key): key is string => Boolean(key));
    await Promise.allSettled([...keys.map((key) => this.store.delete(this.buckets.originals, key)), ...row.variants.map((variant) => this.store.delete(this.buckets.public, variant.key))]);
    return true;
  }

  async moderationQueue(caller: Caller) {
    requireRole(caller, 'admin', 'trust');
    const cases = await this.repository.pendingCases();
    return cases.map((item) => ({ mediaId: item.media_id, ownerType: item.owner_type, ownerId: item.owner_id, nsfwBand: item.nsfw_band, labels: item.labels, status: item.status, createdAt: item.created_at.toISOString() }));
  }

  /**
   * APPROVE: a person judged the classifier wrong; the item becomes band 0 and its variants are
   * copied from the private bucket to the public one. REJECT: the item never becomes public and
   * its private variants are deleted. Audited either way.
   */
  async decideModeration(caller: Caller, input: DecideModerationInput): Promise<OwnerMediaView> {
    const admin = requireRole(caller, 'admin', 'trust');
    const row = await this.repository.findById(input.mediaId);
    if (!row || row.status !== 'FLAGGED') throw new NotFoundError('No pending moderation case for this media');
    const approve = input.decision === 'APPROVE';
    let publicVariants = row.variants;
    if (approve) {
      publicVariants = [];
      for (const variant of row.variants) {
        const body = await this.store.read(this.buckets.originals, variant.key);
        if (!body) throw new NotFoundError('Variant missing; the item must be re-uploaded');
        const key = publicVariantKey(row.id, variant.name);
        await this.store.write(this.buckets.public, key, body, 'image/webp', PUBLIC_CACHE_CONTROL);
        publicVariants.push({ ...variant, key });
      }
    }
    const updated = await this.db.transaction(async (tx) => {
      if (!(await this.repository.decideCase(tx, row.id, approve ? 'APPROVED' : 'REJECTED', admin.userId, input.reason ?? null))) throw new NotFoundError('No pending moderation case for this media');
      await this.repository.setDecision(tx, row.id, approve ? 'READY' : 'REJECTED', approve ? 0 : null, approve ? publicVariants : []);
      await appendAudit(tx, { actor: admin.userId, action: `media.moderation.${approve ? 'approved' : 'rejected'}`, subject: `media:${row.id}`, details: { band: row.nsfw_band, reason: input.reason ?? null } }, this.clock.now());
      await enqueueEvent(tx, { type: MEDIA_PROCESSED, aggregateType: row.owner_type.toLowerCase(), aggregateId: row.owner_id, payload: { mediaId: row.id, ownerType: row.owner_type, ownerId: row.owner_id, status: approve ? 'READY' : 'REJECTED' } });
      return (await this.repository.findById(row.id, tx))!;
    });
    if (!approve) await Promise.allSettled(row.variants.map((variant) => this.store.delete(this.buckets.originals, variant.key)));
    return this.view(updated);
  }
}

export const PUBLIC_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export function publicVariantKey(mediaId: string, name: string): string {
  return `media/${mediaId}/${name}.webp`;
}

export function privateVariantKey(mediaId: string, name: string): string {
  return `variants/${mediaId}/${name}.webp`;
}
