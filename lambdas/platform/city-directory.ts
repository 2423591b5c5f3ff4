/**
 * What other domains may read about cities (the platform domain owns the `cities` table): a
 * lookup over a `Queryable`, exported through lambdas/platform/index.ts.
 */
import type { Queryable } from '../core/db/database.ts';

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
