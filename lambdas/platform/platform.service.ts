/**
 * Cities and per-city feature flags. Both change rarely and are read on every page, so each
 * container keeps them for a few seconds: a flag flip reaches every caller within `cacheTtlMs`.
 */
import type { Clock } from '../core/clock.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import { NotFoundError } from '../core/errors.ts';
import type { Caller } from '../core/identity.ts';
import { requireStaffRole, type StaffAuthority } from '../core/staff-authority.ts';
import { requireRecentStepUp } from '../core/step-up.ts';
import type { CityRow, FlagRow } from './city.repository.ts';
import type { PlatformRepositories } from './platform.repositories.ts';
import type { SetFeatureFlagInput } from './platform.schemas.ts';

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
  return {
    code: row.code,
    name: row.name,
    countryCode: row.country_code,
    timezone: row.timezone,
    status: row.status,
    launchedAt: row.launched_at?.toISOString() ?? null,
  };
}

export function toFlagView(row: FlagRow): FeatureFlagView {
  return {
    key: row.flag_key,
    enabled: row.enabled,
    description: row.description,
    updatedAt: row.updated_at.toISOString(),
  };
}

interface Cached<T> {
  value: Promise<T>;
  expiresAt: number;
}

export class PlatformService {
  private cities: Cached<CityView[]> | undefined;
  private readonly flags = new Map<string, Cached<FeatureFlagView[] | null>>();

  constructor(
    private readonly db: UnitOfWork<PlatformRepositories>,
    private readonly clock: Clock,
    private readonly staff: StaffAuthority,
    private readonly cacheTtlMs = 5_000,
  ) {}

  listCities(): Promise<CityView[]> {
    const now = this.clock.nowMs();
    if (!this.cities || this.cities.expiresAt <= now) {
      const value = this.db.cities.listCities().then((rows) => rows.map(toCityView));
      this.cities = { value, expiresAt: now + this.cacheTtlMs };
      value.catch(() => (this.cities = undefined));
    }
    return this.cities.value;
  }

  async featureFlags(cityCode: string): Promise<FeatureFlagView[]> {
    const now = this.clock.nowMs();
    let cached = this.flags.get(cityCode);
    if (!cached || cached.expiresAt <= now) {
      const value = this.db.cities.flagsForCity(cityCode).then((rows) => rows?.map(toFlagView) ?? null);
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

  /**
   * Admin only, with a second factor in the last 10 minutes (a flag can switch a feature on for a
   * whole city). The flag change, its audit record and its event commit together.
   */
  async setFeatureFlag(caller: Caller, input: SetFeatureFlagInput): Promise<FeatureFlagView> {
    const admin = await requireStaffRole(this.staff, caller, 'admin');
    requireRecentStepUp(admin, this.clock);
    const view = await this.db.transaction(async (tx) => {
      const changed = await tx.cities.upsertFlag(input);
      if (!changed) throw new NotFoundError(`City ${input.city} not found`);
      const details = { city: input.city, key: input.key, enabled: input.enabled, previous: changed.previous };
      await appendAudit(
        tx,
        { actor: admin.userId, action: 'platform.feature_flag.changed', subject: `city:${input.city}`, details },
        this.clock.now(),
      );
      await enqueueEvent(tx, buildEvent('feature_flag.changed', details));
      return toFlagView(changed.row);
    });
    this.flags.delete(input.city);
    return view;
  }
}
