/**
 * Profiles' side of a DMCA takedown of a whole listing (NTB-HELP-002), run by the dmca domain inside the
 * transaction of its case (as the rastup_dmca role: db/migrations/3185_dmca_listing_takedown.sql grants
 * exactly these columns).
 *
 * Takedown: a public listing (PUBLISHED, owner ACTIVE) becomes TAKEN_DOWN. Every public read asks for
 * PUBLISHED, so it is gone from its page, search sources, the partner API and booking at the commit; the
 * owner's reads do not filter on status, so the owner keeps the listing and its data. The unpublished
 * event is what the owner's unpublish sends: search drops the document and the profiles-public-cache
 * consumer evicts the AppSync page cache, as for any change of the listing.
 * Restore: TAKEN_DOWN becomes PUBLISHED again and `*.updated` (reason dmca_restored) has search re-read
 * it and the cache evicted.
 */
import * as z from 'zod';
import type { Queryable, Transaction } from '../core/db/database.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { isId } from '../core/ids.ts';
import { PROFILE_ROLES } from './profiles.schemas.ts';
import type { PublicListingKind } from './public-page-eviction.ts';

const TABLE = { PROFILE: 'service_profiles', STUDIO: 'studios' } as const;
/** The public page paths (profile.service.ts / studio.service.ts `publicUrl`). */
const PAGE_PATH = { PROFILE: 'p', STUDIO: 'studios' } as const;
const SLUG = /^[a-z0-9][a-z0-9-]{2,62}$/i;

const listingRow = z.object({
  id: z.string(),
  owner_user_id: z.string(),
  role: z.enum(PROFILE_ROLES).optional(),
  slug: z.string(),
  status: z.string(),
  owner_status: z.string(),
  city_code: z.string().nullable(),
  version: z.number().int(),
});
type ListingRow = z.infer<typeof listingRow>;

const columns = (kind: PublicListingKind) =>
  `id, owner_user_id, ${kind === 'PROFILE' ? 'role, ' : ''}slug, status, owner_status, city_code, version`;

/**
 * The slug a complainant's reference names: the listing's id, its slug, or its public page URL. A URL
 * counts only on the web origin's host (`webBaseUrl`, what `publicUrl` builds on): the same path on
 * another site names someone else's page, not this listing.
 */
export function listingReferenceKey(
  kind: PublicListingKind,
  reference: string,
  webBaseUrl: string,
): { id: string } | { slug: string } {
  const ref = reference.trim();
  if (isId(kind === 'PROFILE' ? 'profile' : 'studio', ref)) return { id: ref };
  if (SLUG.test(ref)) return { slug: ref };
  let url: URL | undefined;
  try {
    url = new URL(ref);
  } catch {
    url = undefined;
  }
  const ours = url !== undefined && /^https?:$/.test(url.protocol) && url.host === new URL(webBaseUrl).host;
  const segments = ours ? url!.pathname.split('/').filter(Boolean) : [];
  if (segments.length === 2 && segments[0] === PAGE_PATH[kind] && SLUG.test(segments[1]!))
    return { slug: segments[1]! };
  throw new ValidationError(`Name the ${kind.toLowerCase()} by its id, its slug or its public page URL`, [
    { path: 'targets.id', message: `not a ${kind.toLowerCase()} reference` },
  ]);
}

/**
 * The id of the listing a reference names (id, slug or `/p/<slug>`, `/studios/<slug>` URL on `webBaseUrl`),
 * whatever its state; NotFoundError when no listing has it, ValidationError when it is no reference at all.
 */
export async function resolveListingReference(
  db: Queryable,
  kind: PublicListingKind,
  reference: string,
  webBaseUrl: string,
): Promise<string> {
  const key = listingReferenceKey(kind, reference, webBaseUrl);
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM ${TABLE[kind]} WHERE ${'id' in key ? 'id' : 'slug'} = $1 AND owner_status = 'ACTIVE'`,
    ['id' in key ? key.id : key.slug.toLowerCase()],
  );
  if (!rows[0]) throw new NotFoundError(`No ${kind.toLowerCase()} has this reference`);
  return rows[0].id;
}

/** The owner of a public listing (what a notice may take down); undefined when not public. */
export async function publicListingOwner(
  db: Queryable,
  kind: PublicListingKind,
  listingId: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ owner_user_id: string }>(
    `SELECT owner_user_id FROM ${TABLE[kind]} WHERE id = $1 AND status = 'PUBLISHED' AND owner_status = 'ACTIVE'`,
    [listingId],
  );
  return rows[0]?.owner_user_id;
}

async function lockListing(tx: Queryable, kind: PublicListingKind, listingId: string) {
  const { rows } = await tx.query(`SELECT ${columns(kind)} FROM ${TABLE[kind]} WHERE id = $1 FOR UPDATE`, [listingId]);
  return rows[0] === undefined ? undefined : listingRow.parse(rows[0]);
}

async function setStatus(tx: Queryable, kind: PublicListingKind, row: ListingRow, status: string): Promise<void> {
  await tx.query(`UPDATE ${TABLE[kind]} SET status = $2, updated_at = now() WHERE id = $1`, [row.id, status]);
}

/**
 * Every published profile's page lists its owner's published roles (profile.service.ts `announce`):
 * a profile leaving or coming back changes the others' pages, so they are announced for eviction.
 */
async function announceRoles(tx: Transaction, row: ListingRow): Promise<void> {
  const { rows } = await tx.query(
    `SELECT ${columns('PROFILE')} FROM service_profiles
      WHERE owner_user_id = $1 AND status = 'PUBLISHED' AND owner_status = 'ACTIVE' AND id <> $2`,
    [row.owner_user_id, row.id],
  );
  for (const other of rows.map((raw) => listingRow.parse(raw))) {
    await enqueueEvent(tx, buildEvent('profile.updated', { ...profilePayload(other), reason: 'roles' }));
  }
}

function profilePayload(row: ListingRow) {
  return {
    profileId: row.id,
    ownerUserId: row.owner_user_id,
    role: z.enum(PROFILE_ROLES).parse(row.role), // selected for profiles (columns('PROFILE'))
    slug: row.slug,
    city: row.city_code,
    version: row.version,
  };
}

const studioPayload = (row: ListingRow) => ({
  studioId: row.id,
  slug: row.slug,
  city: row.city_code,
  version: row.version,
});

/** PUBLISHED → TAKEN_DOWN. False when the listing is not public any more (nothing to hide). */
export async function takeDownListing(tx: Transaction, kind: PublicListingKind, listingId: string): Promise<boolean> {
  const row = await lockListing(tx, kind, listingId);
  if (!row || row.status !== 'PUBLISHED' || row.owner_status !== 'ACTIVE') return false;
  await setStatus(tx, kind, row, 'TAKEN_DOWN');
  if (kind === 'PROFILE') {
    await enqueueEvent(tx, buildEvent('profile.unpublished', { ...profilePayload(row), reason: 'dmca_takedown' }));
    await announceRoles(tx, row);
  } else {
    await enqueueEvent(tx, buildEvent('studio.unpublished', { ...studioPayload(row), reason: 'dmca_takedown' }));
  }
  return true;
}

/** TAKEN_DOWN → PUBLISHED. False when it is no longer taken down or its account was erased meanwhile. */
export async function restoreTakenDownListing(
  tx: Transaction,
  kind: PublicListingKind,
  listingId: string,
): Promise<boolean> {
  const row = await lockListing(tx, kind, listingId);
  if (!row || row.status !== 'TAKEN_DOWN' || row.owner_status !== 'ACTIVE') return false;
  await setStatus(tx, kind, row, 'PUBLISHED');
  if (kind === 'PROFILE') {
    await enqueueEvent(tx, buildEvent('profile.updated', { ...profilePayload(row), reason: 'dmca_restored' }));
    await announceRoles(tx, row);
  } else {
    await enqueueEvent(tx, buildEvent('studio.updated', studioPayload(row)));
  }
  return true;
}
