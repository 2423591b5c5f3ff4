/** Composition root of the notifications Lambdas: configuration, adapters, the unit of work. */
import { systemClock } from '../core/clock.ts';
import { createUnitOfWork } from '../core/db/unit-of-work.ts';
import { databaseFromEnv } from '../adapters/database.ts';
import { documentClientFromEnv } from '../adapters/dynamodb.ts';
import { notifierFromEnv } from '../adapters/notifier-from-env.ts';
import { PostgresContactDirectory } from '../auth/index.ts';
import { DynamoUnreadMessages } from '../messaging/index.ts';
import { DigestService } from './digest.service.ts';
import { DmcaNoticesService } from './dmca-notices.service.ts';
import { NotificationCenterService } from './notification-center.service.ts';
import { notificationsConfig } from './notifications.config.ts';
import { notificationsRepositories } from './notifications.repositories.ts';
import { NotificationService } from './notifications.service.ts';
import { SesFeedbackService } from './ses-feedback.service.ts';

export interface NotificationsModule {
  readonly center: NotificationCenterService;
  readonly notifications: NotificationService;
  readonly digest: DigestService;
  readonly sesFeedback: SesFeedbackService;
  readonly dmca: DmcaNoticesService;
}

let module: Promise<NotificationsModule> | undefined;

export function notificationsModule(): Promise<NotificationsModule> {
  module ??= (async () => {
    const config = notificationsConfig();
    const database = await databaseFromEnv('notifications');
    const db = createUnitOfWork(database, notificationsRepositories);
    const notifications = new NotificationService(
      db,
      new PostgresContactDirectory(database),
      notifierFromEnv(),
      systemClock,
      { webBaseUrl: config.PUBLIC_WEB_BASE_URL },
    );
    return {
      center: new NotificationCenterService(db),
      notifications,
      digest: new DigestService(
        db,
        new DynamoUnreadMessages(documentClientFromEnv(), config.MESSAGING_TABLE),
        notifications,
        systemClock,
      ),
      sesFeedback: new SesFeedbackService(db),
      dmca: new DmcaNoticesService(notifications),
    };
  })();
  module.catch(() => (module = undefined));
  return module;
}
