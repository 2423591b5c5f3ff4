/**
 * The /v1 inventory reads: profiles, studios, work. Data comes through what the profiles and media
 * domains export (their index.ts), never their tables, and leaves through the mappers below, which
 * whitelist fields (§1.27.9): no emails or phones (they are not even readable by this role), city
 * level only, a studio's exact address only with `studios:exact_address`, SFW public media only.
 */
import type * as z from 'zod';
import { NotFoundError } from '../core/errors.ts';
import type { PublicWork, PublicWorkItem } from '../media/index.ts';
import type { PartnerListings, PartnerProfileRow, PartnerStudioRow } from '../profiles/index.ts';
import type { PartnerCaller } from './partner-token.service.ts';
import { decodeCursor, encodeCursor } from './paging.ts';
import type { listQuery, profile, profileListQuery, studio, work, workListQuery } from './partner.schemas.ts';

export type Profile = z.infer<typeof profile>;
export type Studio = z.infer<typeof studio>;
export type Work = z.infer<typeof work>;
export interface Page<T> {
  readonly data: T[];
  readonly nextCursor: string | null;
}

function toWork(item: PublicWorkItem): Work {
  return {
    id: item.id,
    ownerType: item.ownerType,
    ownerId: item.ownerId,
    alt: item.alt,
    width: item.width,
    height: item.height,
    variants: item.variants.map((v) => ({
      name: v.name,
      url: v.url,
      width: v.width,
      height: v.height,
      format: v.format,
    })),
    createdAt: item.createdAt.toISOString(),
  };
}

function cityOf(row: { city_code: string | null; city_name: string | null; country_code: string | null }) {
  return row.city_code ? { code: row.city_code, name: row.city_name, countryCode: row.country_code } : null;
}

function toProfile(row: PartnerProfileRow, cover: PublicWorkItem | undefined): Profile {
  return {
    id: row.id,
    role: row.role,
    slug: row.slug,
    displayName: row.display_name,
    headline: row.headline,
    bio: row.bio,
    tags: row.tags,
    city: cityOf(row),
    priceMinCents: row.price_min_cents,
    priceMaxCents: row.price_max_cents,
    currency: row.currency,
    languages: row.languages,
    instantBook: row.instant_book,
    cover: cover ? toWork(cover) : null,
    publishedAt: row.published_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
  };
}

function toStudio(row: PartnerStudioRow, cover: PublicWorkItem | undefined, exactAddress: boolean): Studio {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    city: cityOf(row),
    ...(exactAddress
      ? {
          address: {
            line1: row.address_line1 ?? null,
            line2: row.address_line2 ?? null,
            postalCode: row.postal_code ?? null,
          },
        }
      : {}),
    amenities: row.amenities,
    hourlyMinCents: row.hourly_min_cents,
    hourlyMaxCents: row.hourly_max_cents,
    depositCents: row.deposit_cents,
    currency: row.currency,
    instantBook: row.instant_book,
    cover: cover ? toWork(cover) : null,
    publishedAt: row.published_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Fetches one row more than asked to learn whether another page exists. */
function paged<R extends { id: string }, T>(
  rows: R[],
  limit: number,
  filters: Record<string, unknown>,
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { data: shown.map(map), nextCursor: more ? encodeCursor(shown[shown.length - 1]!.id, filters) : null };
}

export class InventoryService {
  constructor(
    private readonly listings: PartnerListings,
    private readonly work: PublicWork,
  ) {}

  async listProfiles(_caller: PartnerCaller, query: z.infer<typeof profileListQuery>): Promise<Page<Profile>> {
    const filters = { r: 'profiles', city: query.city ?? null, role: query.role ?? null };
    const after = decodeCursor(query.cursor, filters);
    const rows = await this.listings.listProfiles({
      after,
      limit: query.limit + 1,
      city: query.city,
      role: query.role,
    });
    const covers = await this.work.covers(rows.map((row) => row.id));
    return paged(rows, query.limit, filters, (row) => toProfile(row, covers.get(row.id)));
  }

  async profile(_caller: PartnerCaller, id: string): Promise<Profile> {
    const row = await this.listings.profile(id);
    if (!row) throw new NotFoundError('No such profile');
    return toProfile(row, (await this.work.covers([row.id])).get(row.id));
  }

  async listStudios(caller: PartnerCaller, query: z.infer<typeof listQuery>): Promise<Page<Studio>> {
    const exactAddress = caller.scopes.has('studios:exact_address');
    const filters = { r: 'studios', city: query.city ?? null };
    const after = decodeCursor(query.cursor, filters);
    const rows = await this.listings.listStudios({ after, limit: query.limit + 1, city: query.city }, { exactAddress });
    const covers = await this.work.covers(rows.map((row) => row.id));
    return paged(rows, query.limit, filters, (row) => toStudio(row, covers.get(row.id), exactAddress));
  }

  async studio(caller: PartnerCaller, id: string): Promise<Studio> {
    const exactAddress = caller.scopes.has('studios:exact_address');
    const row = await this.listings.studio(id, { exactAddress });
    if (!row) throw new NotFoundError('No such studio');
    return toStudio(row, (await this.work.covers([row.id])).get(row.id), exactAddress);
  }

  async listWork(_caller: PartnerCaller, query: z.infer<typeof workListQuery>): Promise<Page<Work>> {
    const filters = { r: 'work', ownerId: query.ownerId ?? null };
    const after = decodeCursor(query.cursor, filters);
    const items = await this.work.list({ after, limit: query.limit + 1, ownerId: query.ownerId });
    return paged(items, query.limit, filters, toWork);
  }

  async workItem(_caller: PartnerCaller, id: string): Promise<Work> {
    const item = await this.work.item(id);
    if (!item) throw new NotFoundError('No such work');
    return toWork(item);
  }
}
