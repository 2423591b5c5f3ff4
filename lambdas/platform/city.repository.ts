/** Cities and their feature flags in Postgres. Rows are validated as they leave the database. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

const cityRow = z.object({
  code: z.string(),
  name: z.string(),
  country_code: z.string(),
  timezone: z.string(),
  status: z.enum(['PLANNED', 'BETA', 'LIVE', 'PAUSED']),
  launched_at: z.date().nullable(),
});
export type CityRow = z.infer<typeof cityRow>;

const flagRow = z.object({
  flag_key: z.string(),
  enabled: z.boolean(),
  description: z.string().nullable(),
  updated_at: z.date(),
});
export type FlagRow = z.infer<typeof flagRow>;

export class CityRepository {
  constructor(private readonly db: Queryable) {}

  /** Upserts one flag; returns null when the city does not exist. */
  async upsertFlag(input: {
    city: string;
    key: string;
    enabled: boolean;
    description?: string | null | undefined;
  }): Promise<{ row: FlagRow; previous: boolean | null } | null> {
    const city = await this.db.query('SELECT 1 FROM cities WHERE code = $1', [input.city]);
    if (city.rowCount === 0) return null;
    const previous = await this.db.query<{ enabled: boolean }>(
      'SELECT enabled FROM feature_flags WHERE city_code = $1 AND flag_key = $2 FOR UPDATE',
      [input.city, input.key],
    );
    const result = await this.db.query(
      `INSERT INTO feature_flags (city_code, flag_key, enabled, description, updated_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (city_code, flag_key) DO UPDATE
         SET enabled = EXCLUDED.enabled,
             description = COALESCE(EXCLUDED.description, feature_flags.description),
             updated_at = now()
       RETURNING flag_key, enabled, description, updated_at`,
      [input.city, input.key, input.enabled, input.description ?? null],
    );
    return { row: parseRows(flagRow, result.rows)[0]!, previous: previous.rows[0]?.enabled ?? null };
  }

  async listCities(): Promise<CityRow[]> {
    const result = await this.db.query(
      'SELECT code, name, country_code, timezone, status, launched_at FROM cities ORDER BY name, code',
    );
    return parseRows(cityRow, result.rows);
  }

  /** Flags of one city, or null when the city does not exist (one round trip either way). */
  async flagsForCity(cityCode: string): Promise<FlagRow[] | null> {
    const result = await this.db.query(
      `SELECT c.code IS NOT NULL AS city_exists, f.flag_key, f.enabled, f.description, f.updated_at
         FROM (SELECT $1::text AS code) wanted
         LEFT JOIN cities c ON c.code = wanted.code
         LEFT JOIN feature_flags f ON f.city_code = c.code
        ORDER BY f.flag_key`,
      [cityCode],
    );
    if (!result.rows[0]?.city_exists) return null;
    return parseRows(
      flagRow,
      result.rows.filter((row) => row.flag_key !== null),
    );
  }
}

export type CityStore = PortOf<CityRepository>;
