/**
 * fast-check generators shared by the Safe-Mode property tests of both engines: documents with
 * every NSFW band and cover band (and covers off the public CDN), and queries over every filter.
 */
import fc from 'fast-check';
import { LISTING_ROLES, SEARCH_SORTS, type AvailabilityPort, type SearchDocument } from '../search.port.ts';
import type { SearchListingsInput } from '../search.schemas.ts';

export const PUBLIC_MEDIA = 'https://media.example.test';
const CITIES = [
  { code: 'zz-north', name: 'Northville', latitude: 40.7, longitude: -74 },
  { code: 'zz-south', name: 'Southport', latitude: 34.05, longitude: -118.24 },
] as const;
const WORDS = ['pat', 'shutter', 'portrait', 'headshot', 'wedding', 'loft', 'film', 'studio', 'model', 'nova'];

const band = fc.constantFrom<0 | 1 | 2>(0, 1, 2);

export function documentArbitrary(prefix: string): fc.Arbitrary<SearchDocument> {
  return fc
    .record({
      n: fc.integer({ min: 0, max: 1_000_000 }),
      kind: fc.constantFrom<'PROFILE' | 'STUDIO'>('PROFILE', 'STUDIO'),
      role: fc.constantFrom(...LISTING_ROLES),
      words: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }),
      tags: fc.array(fc.constantFrom(...WORDS), { maxLength: 3 }),
      city: fc.constantFrom(...CITIES),
      jitter: fc.tuple(
        fc.double({ min: -0.3, max: 0.3, noNaN: true }),
        fc.double({ min: -0.3, max: 0.3, noNaN: true }),
      ),
      price: fc.option(fc.tuple(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 50_000 }))),
      currency: fc.constantFrom('USD', 'EUR'),
      verified: fc.boolean(),
      instantBook: fc.boolean(),
      quality: fc.integer({ min: 0, max: 100 }),
      nsfwBand: band,
      cover: fc.option(
        fc.record({
          band,
          publicCdn: fc.boolean(),
          key: fc.constantFrom('media/m1/medium.webp', 'media/m2/large.webp'),
        }),
      ),
    })
    .map((r) => {
      const kind = r.role === 'STUDIO' ? 'STUDIO' : r.kind === 'STUDIO' ? 'PROFILE' : r.kind;
      const id = `${kind === 'STUDIO' ? 'std' : 'prf'}_${prefix}${r.n.toString(36)}`;
      const [low, high] = r.price ? [Math.min(...r.price), Math.max(...r.price)] : [null, null];
      return {
        id,
        kind,
        ownerUserId: `usr_${prefix}${r.n.toString(36)}`,
        slug: `${prefix}-${r.n.toString(36)}`,
        role: kind === 'STUDIO' ? 'STUDIO' : r.role === 'STUDIO' ? 'MODEL' : r.role,
        title: r.words.join(' '),
        headline: null,
        tags: r.tags,
        cityCode: r.city.code,
        cityName: r.city.name,
        latitude: r.city.latitude + r.jitter[0],
        longitude: r.city.longitude + r.jitter[1],
        priceMinCents: low,
        priceMaxCents: high,
        currency: r.currency,
        verified: r.verified,
        instantBook: r.instantBook,
        quality: r.quality,
        nsfwBand: r.nsfwBand,
        coverUrl: r.cover
          ? `${r.cover.publicCdn ? PUBLIC_MEDIA : 'https://private.example.test'}/${r.cover.key}`
          : null,
        coverNsfwBand: r.cover ? r.cover.band : null,
        sourceVersion: 1,
        publishedAt: new Date(Date.UTC(2026, 0, 1) + r.n * 1000),
      } satisfies SearchDocument;
    });
}

/** Unique ids: fast-check may draw the same n twice. */
export function documentsArbitrary(prefix: string, max = 25): fc.Arbitrary<SearchDocument[]> {
  return fc.uniqueArray(documentArbitrary(prefix), { maxLength: max, selector: (d) => d.id });
}

export const queryArbitrary: fc.Arbitrary<SearchListingsInput> = fc
  .record(
    {
      text: fc.option(fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom('portrat', 'photog', 'shuter', 'lo'))),
      city: fc.option(fc.constantFrom(...CITIES.map((c) => c.code))),
      role: fc.option(fc.constantFrom(...LISTING_ROLES)),
      priceMinCents: fc.option(fc.integer({ min: 0, max: 20_000 })),
      priceMaxCents: fc.option(fc.integer({ min: 20_000, max: 60_000 })),
      currency: fc.option(fc.constantFrom('USD', 'eur', 'GBP')),
      available: fc.option(
        fc.record({
          from: fc.constantFrom('2027-01-04T00:00:00Z', '2027-01-05T09:00:00+01:00'),
          to: fc.constantFrom('2027-01-06T00:00:00Z', '2027-01-20T18:30:00-05:00'),
        }),
      ),
      near: fc.option(
        fc.record({
          latitude: fc.constantFrom(40.7, 34.05),
          longitude: fc.constantFrom(-74, -118.24),
          radiusKm: fc.integer({ min: 1, max: 500 }),
        }),
      ),
      verifiedOnly: fc.option(fc.boolean()),
      instantBookOnly: fc.option(fc.boolean()),
      sort: fc.option(fc.constantFrom(...SEARCH_SORTS.filter((sort) => sort !== 'DISTANCE'))),
      first: fc.option(fc.integer({ min: 1, max: 50 })),
    },
    { requiredKeys: [] },
  )
  .map((input) => input as SearchListingsInput);

/**
 * A stand-in for booking's feasibility port in the Safe-Mode properties: a listing is free in a
 * window when its id hashes even (so the filter really drops some), and the port records what it
 * was asked, so a test can check it never sees an NSFW listing's id.
 */
export class ParityAvailability implements AvailabilityPort {
  readonly asked: string[] = [];
  availableAmong(listingIds: readonly string[]): Promise<ReadonlySet<string>> {
    this.asked.push(...listingIds);
    return Promise.resolve(new Set(listingIds.filter((id) => isEvenId(id))));
  }
}

export function isEvenId(id: string): boolean {
  let sum = 0;
  for (const char of id) sum += char.charCodeAt(0);
  return sum % 2 === 0;
}
