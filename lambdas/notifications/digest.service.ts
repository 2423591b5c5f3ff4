/**
 * The new-message digest (NTB-NOTIF-001): once per local day per account, when unread messages
 * wait (messaging's door), by email and in-app. Quiet hours defer it to a later run (the job runs
 * hourly); a suppressed address or withdrawn consent stops it; the dedupe key makes a day's digest
 * go out once whatever the number of runs.
 */
import type { Clock } from '../core/clock.ts';
import type { UnreadMessages } from '../messaging/index.ts';
import { localDate } from './notifications.policy.ts';
import type { NotificationsData } from './notifications.repositories.ts';
import type { ChannelOutcome, NotificationService } from './notifications.service.ts';

export interface DigestRunResult {
  readonly accounts: number;
  readonly withUnread: number;
  readonly outcomes: Record<string, number>;
}

export class DigestService {
  constructor(
    private readonly db: NotificationsData,
    private readonly unread: UnreadMessages,
    private readonly notifications: NotificationService,
    private readonly clock: Clock,
    private readonly pageSize = 200,
  ) {}

  /** `now`: the scheduled time of the run (EventBridge's `time`), the clock's now by default. */
  async run(now: Date = this.clock.now()): Promise<DigestRunResult> {
    const outcomes: Record<string, number> = {};
    let accounts = 0;
    let withUnread = 0;
    let after = '';
    for (;;) {
      const page = await this.db.settings.page(after, this.pageSize);
      for (const settings of page) {
        accounts++;
        const summary = await this.unread.summaryFor(settings.user_id);
        if (summary.messages === 0) continue;
        withUnread++;
        const result = await this.notifications.send(
          {
            userId: settings.user_id,
            template: 'message-digest',
            data: { messages: summary.messages, threads: summary.threads },
            channels: ['EMAIL', 'IN_APP'],
            dedupeKey: `digest:${settings.user_id}:${localDate(now, settings.time_zone)}`,
            at: now,
          },
          settings,
        );
        for (const outcome of Object.values<ChannelOutcome>(result)) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      if (page.length < this.pageSize) break;
      after = page[page.length - 1]!.user_id;
    }
    return { accounts, withUnread, outcomes };
  }
}
