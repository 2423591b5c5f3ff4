/** SQL for notification settings, consent, suppressions, delivery claims and the in-app inbox. */
import * as z from 'zod';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { PortOf } from '../core/db/unit-of-work.ts';
import { CATEGORIES, CHANNELS, type Category, type Channel } from './notifications.policy.ts';

const settingsRow = z.object({
  user_id: z.string(),
  time_zone: z.string(),
  quiet_start_hour: z.number().int(),
  quiet_end_hour: z.number().int(),
});
export type SettingsRow = z.infer<typeof settingsRow>;

const consentRow = z.object({ channel: z.enum(CHANNELS), category: z.enum(CATEGORIES), allowed: z.boolean() });
export type ConsentRow = z.infer<typeof consentRow>;

export class SettingsRepository {
  constructor(private readonly db: Queryable) {}

  /** Creates the row with defaults once (user.registered, or a first change); an existing row is kept. */
  async ensure(userId: string): Promise<void> {
    await this.db.query('INSERT INTO notification_settings (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [
      userId,
    ]);
  }

  async get(userId: string): Promise<SettingsRow | null> {
    const result = await this.db.query(
      'SELECT user_id, time_zone, quiet_start_hour, quiet_end_hour FROM notification_settings WHERE user_id = $1',
      [userId],
    );
    return parseRows(settingsRow, result.rows)[0] ?? null;
  }

  async update(row: SettingsRow): Promise<void> {
    await this.db.query(
      `INSERT INTO notification_settings (user_id, time_zone, quiet_start_hour, quiet_end_hour, updated_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (user_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, quiet_start_hour = EXCLUDED.quiet_start_hour,
         quiet_end_hour = EXCLUDED.quiet_end_hour, updated_at = now()`,
      [row.user_id, row.time_zone, row.quiet_start_hour, row.quiet_end_hour],
    );
  }

  /** Accounts in user-id order after `after` (the digest job pages through them). */
  async page(after: string, limit: number): Promise<SettingsRow[]> {
    const result = await this.db.query(
      `SELECT user_id, time_zone, quiet_start_hour, quiet_end_hour FROM notification_settings
        WHERE user_id > $1 ORDER BY user_id LIMIT $2`,
      [after, limit],
    );
    return parseRows(settingsRow, result.rows);
  }

  async consents(userId: string): Promise<ConsentRow[]> {
    const result = await this.db.query(
      'SELECT channel, category, allowed FROM notification_consents WHERE user_id = $1 ORDER BY channel, category',
      [userId],
    );
    return parseRows(consentRow, result.rows);
  }

  async setConsent(userId: string, channel: Channel, category: Category, allowed: boolean): Promise<void> {
    await this.db.query(
      `INSERT INTO notification_consents (user_id, channel, category, allowed, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (user_id, channel, category) DO UPDATE SET allowed = EXCLUDED.allowed, updated_at = now()`,
      [userId, channel, category, allowed],
    );
  }

  /** Account erasure: settings (consents cascade), inbox and delivery history. */
  async erase(userId: string): Promise<void> {
    await this.db.query('DELETE FROM notification_inbox WHERE user_id = $1', [userId]);
    await this.db.query('DELETE FROM notification_deliveries WHERE user_id = $1', [userId]);
    await this.db.query('DELETE FROM notification_settings WHERE user_id = $1', [userId]);
  }
}

export class SuppressionRepository {
  constructor(private readonly db: Queryable) {}

  async isSuppressed(channel: 'EMAIL' | 'SMS', address: string): Promise<boolean> {
    const result = await this.db.query('SELECT 1 FROM notification_suppressions WHERE channel = $1 AND address = $2', [
      channel,
      address.toLowerCase(),
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Idempotent: the first reason stays, except that a complaint outranks a bounce. */
  async suppress(input: {
    channel: 'EMAIL' | 'SMS';
    address: string;
    reason: 'BOUNCE' | 'COMPLAINT' | 'MANUAL';
    sourceId: string | null;
  }): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO notification_suppressions (channel, address, reason, source_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (channel, address) DO UPDATE SET reason = EXCLUDED.reason, source_id = EXCLUDED.source_id
         WHERE EXCLUDED.reason = 'COMPLAINT' AND notification_suppressions.reason <> 'COMPLAINT'`,
      [input.channel, input.address.toLowerCase(), input.reason, input.sourceId],
    );
    return (result.rowCount ?? 0) > 0;
  }
}

export type DeliveryStatus = 'SENT' | 'SUPPRESSED' | 'NO_CONSENT' | 'NO_ADDRESS';

export class DeliveryRepository {
  constructor(private readonly db: Queryable) {}

  /** Claims a dedupe key; false when a run before (or beside) this one already decided it. */
  async claim(row: {
    id: string;
    userId: string;
    channel: Channel;
    category: Category;
    template: string;
    dedupeKey: string;
    status: DeliveryStatus;
  }): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO notification_deliveries (id, user_id, channel, category, template, dedupe_key, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING`,
      [row.id, row.userId, row.channel, row.category, row.template, row.dedupeKey, row.status],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Gives a claim back when the send failed, so the next run tries again. */
  async release(dedupeKey: string): Promise<void> {
    await this.db.query('DELETE FROM notification_deliveries WHERE dedupe_key = $1', [dedupeKey]);
  }
}

const inboxRow = z.object({
  id: z.string(),
  category: z.enum(CATEGORIES),
  title: z.string(),
  body: z.string(),
  created_at: z.date(),
  read_at: z.date().nullable(),
});
export type InboxRow = z.infer<typeof inboxRow>;

export class InboxRepository {
  constructor(private readonly db: Queryable) {}

  async add(row: { id: string; userId: string; category: Category; title: string; body: string }): Promise<void> {
    await this.db.query(
      'INSERT INTO notification_inbox (id, user_id, category, title, body) VALUES ($1, $2, $3, $4, $5)',
      [row.id, row.userId, row.category, row.title, row.body],
    );
  }

  async list(userId: string, first: number): Promise<InboxRow[]> {
    const result = await this.db.query(
      `SELECT id, category, title, body, created_at, read_at FROM notification_inbox WHERE user_id = $1
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [userId, first],
    );
    return parseRows(inboxRow, result.rows);
  }

  async unreadCount(userId: string): Promise<number> {
    const result = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM notification_inbox WHERE user_id = $1 AND read_at IS NULL',
      [userId],
    );
    return result.rows[0]?.n ?? 0;
  }

  /** Marks the caller's own items read (others' ids match nothing); all of them when `ids` is null. */
  async markRead(userId: string, ids: readonly string[] | null): Promise<void> {
    await this.db.query(
      `UPDATE notification_inbox SET read_at = now() WHERE user_id = $1 AND read_at IS NULL
         AND ($2::text[] IS NULL OR id = ANY($2::text[]))`,
      [userId, ids],
    );
  }
}

export type SettingsStore = PortOf<SettingsRepository>;
export type SuppressionStore = PortOf<SuppressionRepository>;
export type DeliveryStore = PortOf<DeliveryRepository>;
export type InboxStore = PortOf<InboxRepository>;
