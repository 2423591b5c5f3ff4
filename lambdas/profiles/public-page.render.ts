/**
 * A public page from what its one SQL statement returns (ProfileRepository/StudioRepository
 * `findPublicPage`) to what the API answers: images resolved to public URLs, the view mapped and
 * safe-moded. The services and the equivalence test (tests/integration/public-page-one-query.int.test.ts)
 * render through these, so the test compares the bytes callers receive.
 */
import { publicImages } from './listing-support.ts';
import type { PublicProfilePage } from './profile.repository.ts';
import {
  toPublicProfile,
  toPublicStudio,
  type PublicProfileView,
  type PublicStudioView,
} from './public-page.mapper.ts';
import { safeModeDeep } from './safe-mode.ts';
import type { PublicStudioPage } from './studio.repository.ts';

export function renderPublicProfile(
  page: PublicProfilePage,
  options: { mediaPublicBaseUrl: string; canonicalUrl: string },
): PublicProfileView {
  const { row, roles, city, verified, media } = page;
  const images = publicImages(media, options.mediaPublicBaseUrl);
  return safeModeDeep(
    toPublicProfile({
      row,
      roles,
      city,
      verified,
      portfolio: images.images,
      cover: images.cover,
      canonicalUrl: options.canonicalUrl,
    }),
  );
}

export function renderPublicStudio(
  page: PublicStudioPage,
  options: { mediaPublicBaseUrl: string; canonicalUrl: string },
): PublicStudioView {
  const { row, city, verified, media } = page;
  const images = publicImages(media, options.mediaPublicBaseUrl);
  // The cover first, then the rest in their order.
  const photos = images.cover
    ? [images.cover, ...images.images.filter((image) => image.id !== images.cover!.id)]
    : images.images;
  return safeModeDeep(toPublicStudio({ row, city, verified, photos, canonicalUrl: options.canonicalUrl }));
}
