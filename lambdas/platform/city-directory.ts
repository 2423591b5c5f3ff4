/**
 * What other domains may read about cities (the platform domain owns the `cities` table): a
 * lookup over a `Queryable`, exported through lambdas/platform/index.ts.
 */
import type { Queryable } from '../core/db/database.ts';
import { InternalError } from '../core/errors.ts';

export interface CityInfo {
  readonly name: string;
  readonly countryCode: string;
  readonly timezone: string;
}

export interface CityDirectory {
  cityInfo(code: string | null): Promise<CityInfo | null>;
  cityExists(code: string): Promise<boolean>;
}

export class PostgresCityDirectory implements CityDirectory {
  constructor(private readonly db: Queryable) {}

  async cityInfo(code: string | null): Promise<CityInfo | null> {
    if (!code) return null;
    const result = await this.db.query<{ name: string; country_code: string; timezone: string }>(
      'SELECT name, country_code, timezone FROM cities WHERE code = $1',
      [code],
    );
    const row = result.rows[0];
    return row ? { name: row.name, countryCode: row.country_code, timezone: row.timezone } : null;
  }

  async cityExists(code: string): Promise<boolean> {
    return ((await this.db.query('SELECT 1 FROM cities WHERE code = $1', [code])).rowCount ?? 0) > 0;
  }
}

/** A scalar subquery: the city named by `codeSql` as JSON, for other domains' one-round-trip page queries. */
export function cityInfoJsonSql(codeSql: string): string {
  return `(SELECT json_build_object('name', c.name, 'countryCode', c.country_code, 'timezone', c.timezone)
             FROM cities c WHERE c.code = ${codeSql})`;
}

/** The column's value as a `CityInfo` (or null when the listing names no known city). */
export function parseCityInfoJson(value: unknown): CityInfo | null {
  if (value === null || value === undefined) return null;
  const { name, countryCode, timezone } = value as Record<string, unknown>;
  if (typeof name !== 'string' || typeof countryCode !== 'string' || typeof timezone !== 'string')
    throw new InternalError('Unexpected city shape');
  return { name, countryCode, timezone };
}
