/** Response mappers: whitelisted fields only, so a new column never leaks. */
import type { MediaRow, StoredVariant } from './media.repository.ts';

export interface ImageVariantView {
  name: string;
  url: string;
  width: number;
  height: number;
  format: string;
}

/**
 * What a client sees: the stored moderation state, except that an approved item whose public
 * copies exist is PUBLISHED. READY alone means "moderated, not public (yet)": for a band-0 item the
 * publisher copies the variants to the public bucket after the commit (up to about a second), so a
 * client polling for "visible on my page" waits for PUBLISHED, never for READY.
 */
export type OwnerMediaStatus = MediaRow['status'] | 'PUBLISHED';

export interface OwnerMediaView {
  id: string;
  ownerType: MediaRow['owner_type'];
  ownerId: string;
  status: OwnerMediaStatus;
  contentType: string | null;
  width: number | null;
  height: number | null;
  alt: string | null;
  nsfwBand: number | null;
  sortOrder: number;
  isCover: boolean;
  variants: ImageVariantView[];
  createdAt: string;
}

export interface PublicImageView {
  id: string;
  alt: string | null;
  width: number | null;
  height: number | null;
  variants: ImageVariantView[];
}

export function variantViews(variants: readonly StoredVariant[], publicBaseUrl: string): ImageVariantView[] {
  return variants.map((variant) => ({
    name: variant.name,
    url: `${publicBaseUrl}/${variant.key}`,
    width: variant.width,
    height: variant.height,
    format: variant.format,
  }));
}

/** Moderation says the item may be public (READY, band 0); its public copies may still be on their way. */
export function isApprovedSafe(row: Pick<MediaRow, 'status' | 'nsfw_band'>): boolean {
  return row.status === 'READY' && row.nsfw_band === 0;
}

/**
 * Public URLs exist only for READY, band-0 items the publisher has copied to the public bucket;
 * anything else shows no variants, even to its owner.
 */
export function isPublicSafe(row: Pick<MediaRow, 'status' | 'nsfw_band' | 'public_variants'>): boolean {
  return isApprovedSafe(row) && row.public_variants.length > 0;
}

/** READY → PUBLISHED exactly when the public variants exist (the rule `isPublicSafe` states). */
export function ownerMediaStatus(row: Pick<MediaRow, 'status' | 'nsfw_band' | 'public_variants'>): OwnerMediaStatus {
  return isPublicSafe(row) ? 'PUBLISHED' : row.status;
}

export function toOwnerMediaView(row: MediaRow, publicBaseUrl: string): OwnerMediaView {
  return {
    id: row.id,
    ownerType: row.owner_type,
    ownerId: row.owner_id,
    status: ownerMediaStatus(row),
    contentType: row.detected_content_type ?? row.declared_content_type,
    width: row.width,
    height: row.height,
    alt: row.alt_text,
    nsfwBand: row.nsfw_band,
    sortOrder: row.sort_order,
    isCover: row.is_cover,
    variants: isPublicSafe(row) ? variantViews(row.public_variants, publicBaseUrl) : [],
    createdAt: row.created_at.toISOString(),
  };
}

/** Throws rather than returning an unsafe item: a caller that skipped the SQL filter must fail loudly. */
export function toPublicImage(row: MediaRow, publicBaseUrl: string): PublicImageView {
  if (!isPublicSafe(row)) throw new Error('refusing to project non-SFW media publicly');
  return {
    id: row.id,
    alt: row.alt_text,
    width: row.width,
    height: row.height,
    variants: variantViews(row.public_variants, publicBaseUrl),
  };
}
