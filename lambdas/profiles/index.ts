/** The profiles domain's public module: what other domains may import from it. */
export { ListingDirectory, type BookableListing } from './listing-directory.ts';
