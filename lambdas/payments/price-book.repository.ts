/**
 * What a listing costs, for quotes: published service profiles' packages and studios' hourly rate and
 * deposit. These tables belong to profiles; payments reads only the columns granted to it in its
 * migration (1000), the same way media reads listing owners, until profiles exports a pricing view.
 */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

const packageSchema = z.object({
  name: z.string(),
  durationMinutes: z.number().int(),
  priceCents: z.number().int().nonnegative(),
  extras: z.array(z.string()).nullish(),
});

const profileRow = z.object({
  id: z.string(),
  owner_user_id: z.string(),
  city_code: z.string().nullable(),
  currency: z.string(),
  packages: z.array(packageSchema),
  cancellation_policy: z.string().nullable(),
});

const studioRow = z.object({
  id: z.string(),
  owner_user_id: z.string(),
  city_code: z.string().nullable(),
  currency: z.string(),
  hourly_min_cents: z.number().int().nullable(),
  deposit_cents: z.number().int().nullable(),
});

export type PricedProfile = z.infer<typeof profileRow>;
export type PricedStudio = z.infer<typeof studioRow>;

export class PriceBookRepository {
  constructor(private readonly db: Queryable) {}

  /** A published profile of an active owner, or null (unknown, draft and erased look the same). */
  async profile(id: string): Promise<PricedProfile | null> {
    const result = await this.db.query(
      `SELECT id, owner_user_id, city_code, currency, packages, cancellation_policy FROM service_profiles
       WHERE id = $1 AND status = 'PUBLISHED' AND owner_status = 'ACTIVE'`,
      [id],
    );
    return parseRows(profileRow, result.rows)[0] ?? null;
  }

  async studio(id: string): Promise<PricedStudio | null> {
    const result = await this.db.query(
      `SELECT id, owner_user_id, city_code, currency, hourly_min_cents, deposit_cents FROM studios
       WHERE id = $1 AND status = 'PUBLISHED' AND owner_status = 'ACTIVE'`,
      [id],
    );
    return parseRows(studioRow, result.rows)[0] ?? null;
  }
}
export type PriceBook = PortOf<PriceBookRepository>;
