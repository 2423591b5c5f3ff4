/**
 * The platform domain's public module: what other domains may import from it. Everything else in
 * lambdas/platform is private (enforced by .dependency-cruiser.cjs).
 */
export { PostgresCityDirectory, type CityDirectory, type CityInfo } from './city-directory.ts';
export { cityInfoJsonSql, parseCityInfoJson } from './city-directory.ts';
