/**
 * The profiles domain's public module: what other domains may import from it. Everything else in
 * lambdas/profiles is private.
 */
export {
  PartnerListings,
  partnerListings,
  type ListingPage,
  type PartnerProfileRow,
  type PartnerStudioRow,
} from './partner-listings.ts';
