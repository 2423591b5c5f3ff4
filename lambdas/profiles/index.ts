/**
 * The profiles domain's public module: what other domains may import from it. Everything else in
 * lambdas/profiles is private.
 */
export type { CityInfo, PublicProfileView, PublicStudioView } from './public-page.mapper.ts';
// Who may be contacted (messaging's inquiry threads), through profiles' `contactable_listings` view.
export { ContactableListings, type ContactableListing, type ListingType } from './contactable-listings.query.ts';
// The contact detection profiles applies to public links, reused by messaging's redaction.
export { containsPhoneNumber, normaliseLinkText, publicLinkRefusal } from './link-policy.ts';
