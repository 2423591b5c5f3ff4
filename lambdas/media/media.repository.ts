/** SQL for media and moderation cases. Rows are validated as they leave the database. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';

export const MEDIA_OWNER_TYPES = ['PROFILE', 'STUDIO', 'VERIFICATION'] as const;
export type MediaOwnerType = (typeof MEDIA_OWNER_TYPES)[number];

export const MEDIA_STATUSES = [
  'AWAITING_UPLOAD',
  'PROCESSING',
  'READY',
  'FLAGGED',
  'REJECTED',
  'FAILED',
  'DELETED',
  // Hidden by a DMCA takedown (lambdas/media/dmca-takedown.ts) until restored.
  'TAKEN_DOWN',
] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

export const variantSchema = z.object({
  name: z.string(),
  key: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  format: z.string(),
});
export type StoredVariant = z.infer<typeof variantSchema>;

export const mediaRow = z.object({
  id: z.string(),
  owner_user_id: z.string(),
  owner_type: z.enum(MEDIA_OWNER_TYPES),
  owner_id: z.string(),
  status: z.enum(MEDIA_STATUSES),
  declared_content_type: z.string(),
  declared_size_bytes: z.number().int(),
  detected_content_type: z.string().nullable(),
  size_bytes: z.number().int().nullable(),
  incoming_key: z.string(),
  original_key: z.string().nullable(),
  crop: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }).nullable(),
  alt_text: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  nsfw_band: z.number().int().nullable(),
  /** Private copies (originals bucket). */
  variants: z.array(variantSchema),
  /** Public copies (public bucket), written only by the publisher after the decision committed. */
  public_variants: z.array(variantSchema),
  sort_order: z.number().int(),
  is_cover: z.boolean(),
  upload_expires_at: z.date(),
  created_at: z.date(),
});
export type MediaRow = z.infer<typeof mediaRow>;

export const MEDIA_COLUMNS = `id, owner_user_id, owner_type, owner_id, status, declared_content_type, declared_size_bytes, detected_content_type,
  size_bytes, incoming_key, original_key, crop, alt_text, width, height, nsfw_band, variants, public_variants, sort_order, is_cover, upload_expires_at, created_at`;
const COLUMNS = MEDIA_COLUMNS;

const caseRow = z.object({
  media_id: z.string(),
  owner_type: z.enum(MEDIA_OWNER_TYPES),
  owner_id: z.string(),
  nsfw_band: z.number().int(),
  labels: z.array(z.string()),
  status: z.string(),
  created_at: z.date(),
});
export type ModerationCaseRow = z.infer<typeof caseRow>;

export class MediaRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Whether `userId` owns the thing media is being attached to. Profiles and studios belong to the
   * profiles domain: it declares the `listing_owners` view (its migration 0800) for exactly this
   * question, so media never reads its tables. Erased owners are not in the view.
   */
  async ownsTarget(userId: string, ownerType: MediaOwnerType, ownerId: string): Promise<boolean> {
    // Verification documents belong to the person (usr_…) or to one of their studios.
    if (ownerType === 'VERIFICATION' && ownerId === userId) return true;
    const listingType = ownerType === 'PROFILE' ? 'PROFILE' : 'STUDIO';
    return (
      ((
        await this.db.query(
          'SELECT 1 FROM listing_owners WHERE listing_type = $1 AND listing_id = $2 AND owner_user_id = $3',
          [listingType, ownerId, userId],
        )
      ).rowCount ?? 0) > 0
    );
  }

  /** Serialises reservations of one user so the in-flight count cannot be raced past the cap. */
  async lockUser(userId: string): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`media-uploads:${userId}`]);
  }

  async dropExpiredReservations(userId: string, now: Date): Promise<void> {
    await this.db.query(
      `DELETE FROM media WHERE owner_user_id = $1 AND status = 'AWAITING_UPLOAD' AND upload_expires_at <= $2`,
      [userId, now],
    );
  }

  async inFlight(userId: string): Promise<{ count: number; oldestExpiry: Date | null }> {
    const result = await this.db.query<{ count: number; oldest: Date | null }>(
      `SELECT count(*)::int AS count, min(upload_expires_at) AS oldest FROM media WHERE owner_user_id = $1 AND status = 'AWAITING_UPLOAD'`,
      [userId],
    );
    return { count: result.rows[0]?.count ?? 0, oldestExpiry: result.rows[0]?.oldest ?? null };
  }

  async insertReservation(row: {
    id: string;
    ownerUserId: string;
    ownerType: MediaOwnerType;
    ownerId: string;
    contentType: string;
    sizeBytes: number;
    incomingKey: string;
    crop: unknown;
    alt: string | null;
    expiresAt: Date;
  }): Promise<MediaRow> {
    const result = await this.db.query(
      `INSERT INTO media (id, owner_user_id, owner_type, owner_id, status, declared_content_type, declared_size_bytes, incoming_key, crop, alt_text, upload_expires_at, sort_order)
       VALUES ($1, $2, $3, $4, 'AWAITING_UPLOAD', $5, $6, $7, $8, $9, $10,
               (SELECT coalesce(max(sort_order), -1) + 1 FROM media WHERE owner_type = $3 AND owner_id = $4))
       RETURNING ${COLUMNS}`,
      [
        row.id,
        row.ownerUserId,
        row.ownerType,
        row.ownerId,
        row.contentType,
        row.sizeBytes,
        row.incomingKey,
        row.crop === null ? null : JSON.stringify(row.crop),
        row.alt,
        row.expiresAt,
      ],
    );
    return parseRows(mediaRow, result.rows)[0]!;
  }

  /** Deleted items (tombstones) look like unknown ones to their former owner. */
  async findOwned(id: string, userId: string, forUpdate = false): Promise<MediaRow | null> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM media WHERE id = $1 AND owner_user_id = $2 AND status <> 'DELETED'${forUpdate ? ' FOR UPDATE' : ''}`,
      [id, userId],
    );
    return parseRows(mediaRow, result.rows)[0] ?? null;
  }

  async findById(id: string, forUpdate = false): Promise<MediaRow | null> {
    const result = await this.db.query(`SELECT ${COLUMNS} FROM media WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    return parseRows(mediaRow, result.rows)[0] ?? null;
  }

  /** Removes a reservation that never became media (refused upload): nothing refers to it yet. */
  async delete(id: string): Promise<void> {
    await this.db.query('DELETE FROM media WHERE id = $1', [id]);
  }

  /**
   * Tombstones an item: the row stays (its id is referenced by events, cases and audit) but owns no
   * objects any more. Callers lock the row first (findById forUpdate) to learn which objects to remove.
   */
  async markDeleted(id: string): Promise<void> {
    await this.db.query(
      `UPDATE media SET status = 'DELETED', is_cover = false, variants = '[]'::jsonb, public_variants = '[]'::jsonb, original_key = NULL,
              deleted_at = now(), updated_at = now() WHERE id = $1`,
      [id],
    );
  }

  /** Every live item of an account, locked (account deletion). */
  async lockLiveOfUser(userId: string): Promise<MediaRow[]> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM media WHERE owner_user_id = $1 AND status <> 'DELETED' ORDER BY id FOR UPDATE`,
      [userId],
    );
    return parseRows(mediaRow, result.rows);
  }

  async setPublicVariants(id: string, variants: readonly StoredVariant[]): Promise<void> {
    await this.db.query('UPDATE media SET public_variants = $2, updated_at = now() WHERE id = $1', [
      id,
      JSON.stringify(variants),
    ]);
  }

  /** AWAITING_UPLOAD → PROCESSING, only once (a concurrent second complete finds no row to move). */
  async markProcessing(id: string, detectedType: string, sizeBytes: number): Promise<MediaRow | null> {
    const result = await this.db.query(
      `UPDATE media SET status = 'PROCESSING', detected_content_type = $2, size_bytes = $3, updated_at = now()
        WHERE id = $1 AND status = 'AWAITING_UPLOAD' RETURNING ${COLUMNS}`,
      [id, detectedType, sizeBytes],
    );
    return parseRows(mediaRow, result.rows)[0] ?? null;
  }

  async listByOwner(ownerType: MediaOwnerType, ownerId: string): Promise<MediaRow[]> {
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM media WHERE owner_type = $1 AND owner_id = $2 AND status <> 'DELETED' ORDER BY sort_order, id`,
      [ownerType, ownerId],
    );
    return parseRows(mediaRow, result.rows);
  }

  /**
   * The Safe-Mode filter lives in SQL: only READY items classified band 0 whose public copies the
   * publisher has written ever leave for the public.
   */
  async listPublic(ownerType: MediaOwnerType, ownerIds: readonly string[]): Promise<MediaRow[]> {
    if (ownerIds.length === 0) return [];
    const result = await this.db.query(
      `SELECT ${COLUMNS} FROM media WHERE owner_type = $1 AND owner_id = ANY($2) AND status = 'READY' AND nsfw_band = 0
          AND jsonb_array_length(public_variants) > 0 ORDER BY sort_order, id`,
      [ownerType, ownerIds],
    );
    return parseRows(mediaRow, result.rows);
  }

  async setOrder(ownerType: MediaOwnerType, ownerId: string, orderedIds: readonly string[]): Promise<void> {
    await this.db.query(
      `UPDATE media m SET sort_order = o.ord - 1, updated_at = now()
         FROM unnest($3::text[]) WITH ORDINALITY AS o(id, ord)
        WHERE m.id = o.id AND m.owner_type = $1 AND m.owner_id = $2`,
      [ownerType, ownerId, orderedIds],
    );
  }

  async setCover(row: MediaRow): Promise<void> {
    await this.db.query('UPDATE media SET is_cover = false WHERE owner_type = $1 AND owner_id = $2 AND is_cover', [
      row.owner_type,
      row.owner_id,
    ]);
    await this.db.query('UPDATE media SET is_cover = true, updated_at = now() WHERE id = $1', [row.id]);
  }

  async saveProcessed(input: {
    id: string;
    status: 'READY' | 'FLAGGED' | 'FAILED';
    originalKey: string | null;
    width: number | null;
    height: number | null;
    band: number | null;
    labels: readonly string[];
    variants: readonly StoredVariant[];
  }): Promise<boolean> {
    // Only from PROCESSING: an item deleted while the worker ran stays deleted (false tells the worker to clean up).
    const result = await this.db.query(
      `UPDATE media SET status = $2, original_key = $3, width = $4, height = $5, nsfw_band = $6, moderation_labels = $7, variants = $8,
              processed_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'PROCESSING'`,
      [
        input.id,
        input.status,
        input.originalKey,
        input.width,
        input.height,
        input.band,
        JSON.stringify(input.labels),
        JSON.stringify(input.variants),
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async openCase(mediaId: string, band: number, labels: readonly string[]): Promise<void> {
    await this.db.query(
      `INSERT INTO moderation_cases (media_id, nsfw_band, labels) VALUES ($1, $2, $3)
       ON CONFLICT (media_id) DO UPDATE SET nsfw_band = EXCLUDED.nsfw_band, labels = EXCLUDED.labels, status = 'PENDING'`,
      [mediaId, band, JSON.stringify(labels)],
    );
  }

  /**
   * A case for a READY item that never had one (classified band 0 and published automatically), so
   * a takedown (REJECT) has something to decide. No-op when a case exists.
   */
  async hasCase(mediaId: string): Promise<boolean> {
    return ((await this.db.query('SELECT 1 FROM moderation_cases WHERE media_id = $1', [mediaId])).rowCount ?? 0) > 0;
  }

  async openTakedownCase(mediaId: string, band: number): Promise<void> {
    await this.db.query(
      `INSERT INTO moderation_cases (media_id, nsfw_band, labels, status) VALUES ($1, $2, '[]'::jsonb, 'APPROVED') ON CONFLICT (media_id) DO NOTHING`,
      [mediaId, band],
    );
  }

  async pendingCases(limit = 100): Promise<ModerationCaseRow[]> {
    const result = await this.db.query(
      `SELECT c.media_id, m.owner_type, m.owner_id, c.nsfw_band, c.labels, c.status, c.created_at
         FROM moderation_cases c JOIN media m ON m.id = c.media_id
        WHERE c.status = 'PENDING' AND m.status = 'FLAGGED' ORDER BY c.created_at LIMIT $1`,
      [limit],
    );
    return parseRows(caseRow, result.rows);
  }

  /**
   * Decides a case that is in one of `from` (PENDING; REJECT also re-moderates an APPROVED one);
   * false when there is none (unknown id, or a decision that may not be revisited).
   */
  async decideCase(
    mediaId: string,
    status: 'APPROVED' | 'REJECTED',
    adminId: string,
    reason: string | null,
    from: readonly ('PENDING' | 'APPROVED')[],
  ): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE moderation_cases SET status = $2, decided_by = $3, reason = $4, decided_at = now() WHERE media_id = $1 AND status = ANY($5)`,
      [mediaId, status, adminId, reason, from],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** APPROVE keeps the private variants for the publisher; REJECT drops every variant reference. */
  async setDecision(id: string, status: 'READY' | 'REJECTED', band: number | null): Promise<void> {
    await this.db.query(
      `UPDATE media SET status = $2, nsfw_band = coalesce($3, nsfw_band), is_cover = CASE WHEN $2 = 'READY' THEN is_cover ELSE false END,
              variants = CASE WHEN $2 = 'READY' THEN variants ELSE '[]'::jsonb END,
              public_variants = CASE WHEN $2 = 'READY' THEN public_variants ELSE '[]'::jsonb END, updated_at = now() WHERE id = $1`,
      [id, status, band],
    );
  }
}

export type MediaStore = PortOf<MediaRepository>;
