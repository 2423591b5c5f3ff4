/**
 * The media domain's public module: what other domains may import from it. Everything else in
 * lambdas/media is private.
 */
export { PublicWork, publicWork, type PublicWorkItem } from './public-work.ts';
export type { ImageVariantView } from './media.mapper.ts';
