/** The notifications domain's repositories, bound to one `Queryable` (the pool, or a transaction). */
import type { Queryable } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import {
  DeliveryRepository,
  InboxRepository,
  SettingsRepository,
  SuppressionRepository,
  type DeliveryStore,
  type InboxStore,
  type SettingsStore,
  type SuppressionStore,
} from './notifications.repository.ts';

export interface NotificationsRepositories {
  readonly settings: SettingsStore;
  readonly suppressions: SuppressionStore;
  readonly deliveries: DeliveryStore;
  readonly inbox: InboxStore;
}

export type NotificationsData = UnitOfWork<NotificationsRepositories>;
export type NotificationsTx = TransactionScope<NotificationsRepositories>;

export function notificationsRepositories(db: Queryable): NotificationsRepositories {
  return {
    settings: new SettingsRepository(db),
    suppressions: new SuppressionRepository(db),
    deliveries: new DeliveryRepository(db),
    inbox: new InboxRepository(db),
  };
}
