/**
 * Tells the uploader of each DMCA step (the dmca domain's catalog events), by email and in-app. The
 * send deduplicates on `dmca:<case>:<event type>`, so a redelivered event notifies once.
 */
import type { DomainEvent } from '../core/events/catalog.ts';
import type { NotificationService } from './notifications.service.ts';

export const DMCA_CONSUMER = 'notifications-dmca';

type DmcaEvent = DomainEvent<'dmca.taken_down' | 'dmca.counter_noticed' | 'dmca.restored'>;

const TARGET_WORDS = { MEDIA: 'photo', PROFILE: 'profile', STUDIO: 'studio listing' } as const;

export class DmcaNoticesService {
  constructor(private readonly notifications: NotificationService) {}

  async onDmcaEvent(event: DmcaEvent): Promise<void> {
    const { caseId, ownerUserId, targetKind } = event.payload;
    const target = TARGET_WORDS[targetKind];
    const common = {
      userId: ownerUserId,
      channels: ['EMAIL', 'IN_APP'] as const,
      dedupeKey: `dmca:${caseId}:${event.type}`,
    };
    switch (event.type) {
      case 'dmca.taken_down':
        await this.notifications.send({ ...common, template: 'dmca-taken-down', data: { caseId, target } });
        return;
      case 'dmca.counter_noticed':
        await this.notifications.send({
          ...common,
          template: 'dmca-counter-noticed',
          data: {
            caseId,
            target,
            restoreFrom: event.payload.restoreFrom.slice(0, 10),
            restoreBy: event.payload.restoreBy.slice(0, 10),
          },
        });
        return;
      case 'dmca.restored':
        await this.notifications.send({ ...common, template: 'dmca-restored', data: { caseId, target } });
        return;
    }
  }
}
