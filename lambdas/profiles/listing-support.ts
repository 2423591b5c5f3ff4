/** What profiles and studios share: verification banners, media facts, public URLs. */
import {
  isApprovedSafe,
  isPublicSafe,
  toOwnerMediaView,
  toPublicImage,
  type OwnerMediaView,
  type MediaRow,
  type PublicImageView,
} from '../media/index.ts';
import type { VerificationStatus } from './completeness.ts';
import type { VerificationRow } from './verification.repository.ts';

export interface VerificationView {
  id: string | null;
  subject: 'IDENTITY' | 'STUDIO';
  status: VerificationStatus;
  reason: string | null;
  banner: string;
  updatedAt: string | null;
}

const BANNERS: Record<'IDENTITY' | 'STUDIO', Record<VerificationStatus, string>> = {
  IDENTITY: {
    UNVERIFIED: 'Verify your identity to earn the verified badge and unlock Instant Book.',
    PENDING: 'We are reviewing your identity documents, usually within one business day.',
    VERIFIED: 'Identity verified: the verified badge shows on your public pages.',
    REJECTED: 'We could not verify your identity. Please upload a new document.',
  },
  STUDIO: {
    UNVERIFIED: 'Verify your studio to earn the verified badge and unlock Instant Book.',
    PENDING: 'We are reviewing your studio documents, usually within one business day.',
    VERIFIED: 'Studio verified: the verified badge shows on your studio page.',
    REJECTED: 'We could not verify your studio. Please upload a new document.',
  },
};

export function verificationView(subject: 'IDENTITY' | 'STUDIO', row: VerificationRow | null): VerificationView {
  const status: VerificationStatus = row?.status ?? 'UNVERIFIED';
  return {
    id: row?.id ?? null,
    subject,
    status,
    reason: row?.reason ?? null,
    banner: BANNERS[subject][status],
    updatedAt: (row?.decided_at ?? row?.created_at)?.toISOString() ?? null,
  };
}

export interface MediaFacts {
  safeMediaCount: number;
  hasCover: boolean;
}

/** Completeness follows the moderation decision, not the CDN: approved items count before their copies land. */
export function mediaFacts(rows: readonly MediaRow[]): MediaFacts {
  const safe = rows.filter(isApprovedSafe);
  return { safeMediaCount: safe.length, hasCover: safe.some((row) => row.is_cover) };
}

export function ownerMedia(rows: readonly MediaRow[], publicBaseUrl: string): OwnerMediaView[] {
  return rows
    .filter((row) => row.status !== 'AWAITING_UPLOAD' && row.status !== 'DELETED')
    .map((row) => toOwnerMediaView(row, publicBaseUrl));
}

/** Public images in portfolio order; the cover separately (it leads the page). */
export function publicImages(
  rows: readonly MediaRow[],
  publicBaseUrl: string,
): { images: PublicImageView[]; cover: PublicImageView | null } {
  const safe = rows.filter(isPublicSafe);
  const coverRow = safe.find((row) => row.is_cover);
  return {
    images: safe.map((row) => toPublicImage(row, publicBaseUrl)),
    cover: coverRow ? toPublicImage(coverRow, publicBaseUrl) : null,
  };
}
