/**
 * Cities and per-city feature flags. Both change rarely and are read on every page, so each
 * container keeps them for a few seconds: a flag flip reaches every caller within `cacheTtlMs`.
 */
import type { Clock } from '../core/clock.ts';
import { NotFoundError } from '../core/errors.ts';
import type { CityRepository, CityRow, FlagRow } from './city.repository.ts';

export interface CityView {
  code: string;
  name: string;
  countryCode: string;
  timezone: string;
  status: CityRow['status'];
  launchedAt: string | null;
}

export interface FeatureFlagView {
  key: string;
  enabled: boolean;
  description: string | null;
  updatedAt: string;
}

export function toCityView(row: CityRow): CityView {
  return { code: row.code, name: row.name, countryCode: row.country_code, timezone: row.timezone, status: row.status, launchedAt: row.launched_at?.toISOString() ?? null };
}

export function toFlagView(row: FlagRow): FeatureFlagView {
  return { key: row.flag_key, enabled: row.enabled, description: row.description, updatedAt: row.updated_at.toISOString() };
}

interface Cached<T> {
  value: Promise<T>;
  expiresAt: number;
}

export class PlatformService {
  private cities: Cached<CityView[]> | undefined;
  private readonly flags = new Map<string, Cached<FeatureFlagView[] | null>>();

  constructor(
    private readonly repository: CityRepository,
    private readonly clock: Clock,
    private readonly cacheTtlMs = 5_000,
  ) {}

  listCities(): Promise<CityView[]> {
    const now = this.clock.nowMs();
    if (!this.cities || this.cities.expiresAt <= now) {
      const value = this.repository.listCities().then((rows) => rows.map(toCityView));
      this.cities = { value, expiresAt: now + this.cacheTtlMs };
      value.catch(() => (this.cities = undefined));
    }
    return this.cities.value;
  }

  async featureFlags(cityCode: string): Promise<FeatureFlagView[]> {
    const now = this.clock.nowMs();
    let cached = this.flags.get(cityCode);
    if (!cached || cached.expiresAt <= now) {
      const value = this.repository.flagsForCity(cityCode).then((rows) => rows?.map(toFlagView) ?? null);
      cached = { value, expiresAt: now + this.cacheTtlMs };
      // Bound the cache: city codes come from callers, so unknown ones must not grow it forever.
      if (this.flags.size > 500) this.flags.clear();
      this.flags.set(cityCode, cached);
      value.catch(() => this.flags.delete(cityCode));
    }
    const flags = await cached.value;
    if (flags === null) throw new NotFoundError(`City ${cityCode} not found`);
    return flags;
  }
}
