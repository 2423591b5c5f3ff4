/**
 * What may be public and under which keys: the pure rules shared by the media API, the worker and
 * the publisher (media-lifecycle.service.ts).
 */
import { createHash } from 'node:crypto';
import type { EventPayloadInput, EventType } from '../core/events/catalog.ts';
import type { MediaRow } from './media.repository.ts';

/** The state change committed; the publisher (after the commit) copies the variants to the public bucket. */
export const MEDIA_PUBLISHABLE = 'media.publishable' satisfies EventType;
/** The publisher wrote the public copies (the public page changed). */
export const MEDIA_PUBLISHED = 'media.published' satisfies EventType;
/** The item left every public state: the listed objects must go (retried until they are gone). */
export const MEDIA_WITHDRAWN = 'media.withdrawn' satisfies EventType;

/**
 * Cache policy of public variants. Two mechanisms, chosen over CloudFront invalidations:
 *  - versioned keys (publicVariantKey embeds a hash of the bytes): a changed item gets a new URL, so
 *    no cache can ever serve old bytes for a new version;
 *  - a short max-age: a withdrawn item (rejected, deleted, account erased) is deleted from the bucket
 *    at once, and edge and browser caches stop serving it within five minutes.
 * Invalidations would need the CDN distribution id and a CloudFront grant in every withdrawing
 * Lambda, cost money past 1,000 paths a month, and still leave browsers' copies; a year-long
 * `immutable` would keep a taken-down image served for a year. Five minutes keeps the origin load
 * small (variants are few and small) while bounding how long a takedown takes to reach everyone.
 */
export const PUBLIC_CACHE_MAX_AGE_SECONDS = 300;
export const PUBLIC_CACHE_CONTROL = `public, max-age=${PUBLIC_CACHE_MAX_AGE_SECONDS}`;

/** A short content hash: the version part of a public key. */
export function contentVersion(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

export function publicVariantKey(mediaId: string, name: string, version: string): string {
  if (!/^[0-9a-f]{8,64}$/.test(version)) throw new Error('a public key needs a content version');
  return `media/${mediaId}/${name}.${version}.webp`;
}

export function privateVariantKey(mediaId: string, name: string): string {
  return `variants/${mediaId}/${name}.webp`;
}

/** Whether the committed state of an item allows public copies. Verification documents never. */
export function isPublishable(row: Pick<MediaRow, 'status' | 'nsfw_band' | 'owner_type'>): boolean {
  return row.status === 'READY' && row.nsfw_band === 0 && row.owner_type !== 'VERIFICATION';
}

export interface ObjectKeys {
  readonly originals: string[];
  readonly public: string[];
}

/** Every object an item owns, in either bucket (what a withdrawal removes). */
export function objectKeysOf(
  row: Pick<MediaRow, 'incoming_key' | 'original_key' | 'variants' | 'public_variants'>,
): ObjectKeys {
  const originals = [row.incoming_key, row.original_key, ...row.variants.map((variant) => variant.key)].filter(
    (key): key is string => Boolean(key),
  );
  return {
    originals: [...new Set(originals)],
    public: [...new Set(row.public_variants.map((variant) => variant.key))],
  };
}

/** The `media.withdrawn` payload: which objects of which item to remove from which bucket. */
export function withdrawalPayload(
  row: Pick<MediaRow, 'id' | 'owner_type' | 'owner_id'>,
  keys: ObjectKeys,
): EventPayloadInput<'media.withdrawn'> {
  return {
    mediaId: row.id,
    ownerType: row.owner_type,
    ownerId: row.owner_id,
    originalKeys: keys.originals,
    publicKeys: keys.public,
  };
}
