/**
 * The profiles domain's public module: what other domains may import from it. Everything else in
 * lambdas/profiles is private (enforced by .dependency-cruiser.cjs).
 *
 * Other domains read profiles' data through the `listing_owners` view its migration declares
 * (db/migrations/0800_profiles_listing_owners.sql: who owns which profile or studio) and through
 * `profile.*` / `studio.*` events; the public page shapes below are the contract of its read API.
 */
export type { CityInfo, PublicProfileView, PublicStudioView } from './public-page.mapper.ts';
export {
  countPublishedListings,
  publishedListings,
  publishedListingsPage,
  type SearchSourceKind,
  type SearchSourceListing,
} from './search-source.ts';
export { ListingDirectory, type BookableListing } from './listing-directory.ts';
export {
  PartnerListings,
  partnerListings,
  type ListingPage,
  type PartnerProfileRow,
  type PartnerStudioRow,
} from './partner-listings.ts';
// Who may be contacted (messaging's inquiry threads), through profiles' `contactable_listings` view.
export { ContactableListings, type ContactableListing, type ListingType } from './contactable-listings.query.ts';
// The contact detection profiles applies to public links, reused by messaging's redaction.
export { containsPhoneNumber, normaliseLinkText, publicLinkRefusal } from './link-policy.ts';
// The same detection for prose (reviews refuse text that carries contact details).
export { findContactDetail, type ContactDetail } from './contact-detection.ts';
// Every listing of an account, whatever its state (other domains' erasure consumers).
export { ownedListings, type OwnedListing } from './owned-listings.query.ts';
export { profilesExportSection } from './profiles-export.query.ts';
// A copyright takedown of a whole listing, run by the dmca domain in its case's transaction.
export {
  publicListingOwner,
  resolveListingReference,
  restoreTakenDownListing,
  takeDownListing,
} from './dmca-listing-takedown.ts';
