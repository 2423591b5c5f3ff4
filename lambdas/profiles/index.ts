/** The profiles domain's public module: what other domains may import from it. */
export {
  countPublishedListings,
  publishedListings,
  publishedListingsPage,
  type SearchSourceKind,
  type SearchSourceListing,
} from './search-source.ts';
