/**
 * The media domain's public module: what other domains may import from it. Everything else in
 * lambdas/media is private (enforced by .dependency-cruiser.cjs).
 *
 * Other domains read media only through `MediaCatalog` (read-only queries over a `Queryable`, so
 * they run inside the caller's transaction) and project it through the mappers below, which
 * whitelist fields and refuse anything that is not public-safe.
 */
import type { Queryable } from '../core/db/database.ts';
import { MediaRepository, type MediaStore } from './media.repository.ts';

export type { MediaOwnerType, MediaRow } from './media.repository.ts';
export {
  isApprovedSafe,
  isPublicSafe,
  toOwnerMediaView,
  toPublicImage,
  type OwnerMediaView,
  type PublicImageView,
} from './media.mapper.ts';

/** Read-only queries other domains may run on media. */
export type MediaCatalog = Pick<MediaStore, 'findOwned' | 'listByOwner' | 'listPublic'>;

export function mediaCatalog(db: Queryable): MediaCatalog {
  return new MediaRepository(db);
}
export { PublicWork, publicWork, type PublicWorkItem } from './public-work.ts';
export type { ImageVariantView } from './media.mapper.ts';
export { parsePublicMediaJson, publicMediaJsonSql } from './public-media.query.ts';
export { mediaExportSection } from './media-export.query.ts';
/** The upload type rules (allow-list and byte sniffing) for other domains' image uploads. */
export { ALLOWED_IMAGE_TYPES, SNIFF_BYTES, sniffImageType, type AllowedImageType } from './media-policy.ts';
// DMCA takedown and restore of a public item, run by the dmca domain in its case's transaction.
export { publicMediaOwner, restoreTakenDownMedia, takeDownMedia } from './dmca-takedown.ts';
