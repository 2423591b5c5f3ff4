/**
 * The account's side of notifications: settings (time zone, quiet hours), consent per channel and
 * category, and the in-app inbox with its unread count. Also the account lifecycle: a settings
 * row at registration (the digest job's list of accounts), everything erased at deletion.
 */
import { consumeOnce } from '../core/db/outbox-relay.ts';
import { ValidationError } from '../core/errors.ts';
import type { DomainEvent } from '../core/events/catalog.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import {
  CATEGORIES,
  CHANNELS,
  consentLocked,
  defaultConsent,
  isValidTimeZone,
  type Category,
  type Channel,
} from './notifications.policy.ts';
import type { NotificationsData } from './notifications.repositories.ts';
import type { NotificationSettingsInput } from './notifications.schemas.ts';

/** The consumer's name in infra/definitions/domains.ts eventConsumers (and its consumer_inbox rows). */
export const ACCOUNT_CONSUMER = 'notifications-account';

export interface NotificationSettingsView {
  readonly timeZone: string;
  readonly quietStartHour: number;
  readonly quietEndHour: number;
  readonly consents: { channel: Channel; category: Category; allowed: boolean; locked: boolean }[];
}

export interface InboxView {
  readonly unreadCount: number;
  readonly items: {
    id: string;
    category: Category;
    title: string;
    body: string;
    createdAt: string;
    readAt: string | null;
  }[];
}

export class NotificationCenterService {
  constructor(private readonly db: NotificationsData) {}

  async settings(caller: Caller): Promise<NotificationSettingsView> {
    const user = requireUser(caller);
    const [settings, consents] = await Promise.all([
      this.db.settings.get(user.userId),
      this.db.settings.consents(user.userId),
    ]);
    return {
      timeZone: settings?.time_zone ?? 'UTC',
      quietStartHour: settings?.quiet_start_hour ?? 21,
      quietEndHour: settings?.quiet_end_hour ?? 8,
      consents: CHANNELS.flatMap((channel) =>
        CATEGORIES.map((category) => {
          const locked = consentLocked(channel, category);
          const stored = consents.find((c) => c.channel === channel && c.category === category);
          return {
            channel,
            category,
            allowed: locked || (stored?.allowed ?? defaultConsent(channel, category)),
            locked,
          };
        }),
      ),
    };
  }

  async updateSettings(caller: Caller, input: NotificationSettingsInput): Promise<NotificationSettingsView> {
    const user = requireUser(caller);
    if (input.timeZone != null && !isValidTimeZone(input.timeZone))
      throw new ValidationError('timeZone must be an IANA time zone such as America/New_York', [
        { path: 'input.timeZone', message: 'unknown time zone' },
      ]);
    for (const [i, consent] of (input.consents ?? []).entries())
      if (consentLocked(consent.channel, consent.category) && !consent.allowed)
        throw new ValidationError('Account emails cannot be switched off', [
          { path: `input.consents.${i}`, message: 'locked' },
        ]);
    await this.db.transaction(async (tx) => {
      await tx.settings.ensure(user.userId);
      const current = (await tx.settings.get(user.userId))!;
      await tx.settings.update({
        user_id: user.userId,
        time_zone: input.timeZone ?? current.time_zone,
        quiet_start_hour: input.quietStartHour ?? current.quiet_start_hour,
        quiet_end_hour: input.quietEndHour ?? current.quiet_end_hour,
      });
      for (const consent of input.consents ?? [])
        await tx.settings.setConsent(user.userId, consent.channel, consent.category, consent.allowed);
    });
    return this.settings(caller);
  }

  async inbox(caller: Caller, first: number): Promise<InboxView> {
    const user = requireUser(caller);
    const [items, unreadCount] = await Promise.all([
      this.db.inbox.list(user.userId, first),
      this.db.inbox.unreadCount(user.userId),
    ]);
    return {
      unreadCount,
      items: items.map((row) => ({
        id: row.id,
        category: row.category,
        title: row.title,
        body: row.body,
        createdAt: row.created_at.toISOString(),
        readAt: row.read_at?.toISOString() ?? null,
      })),
    };
  }

  async markRead(caller: Caller, ids: readonly string[] | null): Promise<number> {
    const user = requireUser(caller);
    await this.db.inbox.markRead(user.userId, ids);
    return this.db.inbox.unreadCount(user.userId);
  }

  async onUserRegistered(event: DomainEvent<'user.registered'>): Promise<void> {
    await consumeOnce(this.db, ACCOUNT_CONSUMER, event, (tx) => tx.settings.ensure(event.payload.userId));
  }

  async onUserDeleted(event: DomainEvent<'user.deleted'>): Promise<void> {
    await consumeOnce(this.db, ACCOUNT_CONSUMER, event, (tx) => tx.settings.erase(event.payload.userId));
  }
}
