/**
 * Synthetic seed data for local stacks and tests: no real people, no real PII. Idempotent, so
 * it runs on every start without duplicating anything or overwriting a developer's edits.
 */
import type { Queryable } from '../../lambdas/core/db/database.ts';

export const seedCities = [
  {
    code: 'us-nyc',
    name: 'New York',
    countryCode: 'US',
    timezone: 'America/New_York',
    status: 'LIVE',
    launchedAt: '2025-09-01T00:00:00Z',
  },
  {
    code: 'us-lax',
    name: 'Los Angeles',
    countryCode: 'US',
    timezone: 'America/Los_Angeles',
    status: 'LIVE',
    launchedAt: '2025-10-15T00:00:00Z',
  },
  {
    code: 'us-mia',
    name: 'Miami',
    countryCode: 'US',
    timezone: 'America/New_York',
    status: 'BETA',
    launchedAt: '2026-03-01T00:00:00Z',
  },
  {
    code: 'us-hou',
    name: 'Houston',
    countryCode: 'US',
    timezone: 'America/Chicago',
    status: 'BETA',
    launchedAt: '2026-06-01T00:00:00Z',
  },
  {
    code: 'us-chi',
    name: 'Chicago',
    countryCode: 'US',
    timezone: 'America/Chicago',
    status: 'PLANNED',
    launchedAt: null,
  },
] as const;

const flagCatalogue = [
  { key: 'booking.instant_book', description: 'Instant Book for eligible providers' },
  { key: 'messaging.project_panel', description: 'Project Panel tabs inside booking threads' },
  { key: 'search.promotions', description: 'Promoted placements in search results' },
  { key: 'studios.listings', description: 'Studio listings and bookings' },
  { key: 'payments.deposits', description: 'Deposits and deposit claims' },
] as const;

/** Which flags are on per city: live cities get everything but promotions in the newest one. */
function enabled(cityStatus: string, flagKey: string): boolean {
  if (cityStatus === 'LIVE') return true;
  if (cityStatus === 'BETA') return flagKey !== 'search.promotions' && flagKey !== 'payments.deposits';
  return false;
}

/** City centres for search's geo radius (db/migrations/1200_search.sql); set once, never overwritten. */
export const seedCityCoordinates: Record<string, { latitude: number; longitude: number }> = {
  'us-nyc': { latitude: 40.7128, longitude: -74.006 },
  'us-lax': { latitude: 34.0522, longitude: -118.2437 },
  'us-mia': { latitude: 25.7617, longitude: -80.1918 },
  'us-hou': { latitude: 29.7604, longitude: -95.3698 },
  'us-chi': { latitude: 41.8781, longitude: -87.6298 },
};

export async function seed(db: Queryable): Promise<void> {
  for (const city of seedCities) {
    await db.query(
      `INSERT INTO cities (code, name, country_code, timezone, status, launched_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING`,
      [city.code, city.name, city.countryCode, city.timezone, city.status, city.launchedAt],
    );
    for (const flag of flagCatalogue) {
      await db.query(
        `INSERT INTO feature_flags (city_code, flag_key, enabled, description)
         VALUES ($1, $2, $3, $4) ON CONFLICT (city_code, flag_key) DO NOTHING`,
        [city.code, flag.key, enabled(city.status, flag.key), flag.description],
      );
    }
    const point = seedCityCoordinates[city.code];
    if (point)
      await db.query('UPDATE cities SET latitude = $2, longitude = $3 WHERE code = $1 AND latitude IS NULL', [
        city.code,
        point.latitude,
        point.longitude,
      ]);
  }
}
