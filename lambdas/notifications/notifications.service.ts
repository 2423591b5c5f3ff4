/**
 * One notification service for email, SMS and in-app (NTB-NOTIF-001…003). A message is a template,
 * data, a category and a dedupe key. For each channel it asks, in order: may we (consent for the
 * channel and category), can we (an address, not on the suppression list), should we now (quiet
 * hours in the recipient's zone: a deferred message is not claimed, so the next run sends it).
 * Then it claims the dedupe key (one row per key: overlapping or retried runs never send twice)
 * and sends; a failed send gives the claim back. The decision is recorded for every channel.
 */
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Notifier } from '../core/ports.ts';
import type { ContactDirectory } from '../auth/index.ts';
import { consentLocked, defaultConsent, isQuietAt, respectsQuietHours, type Channel } from './notifications.policy.ts';
import type { NotificationsData } from './notifications.repositories.ts';
import type { DeliveryStatus, SettingsRow } from './notifications.repository.ts';
import { TEMPLATES, type TemplateData, type TemplateName } from './templates/catalog.ts';
import { renderTemplate } from './templates/render.ts';

export type ChannelOutcome = DeliveryStatus | 'QUIET_HOURS' | 'DUPLICATE' | 'NO_ACCOUNT';

export interface NotificationRequest<N extends TemplateName = TemplateName> {
  readonly userId: string;
  readonly template: N;
  readonly data: TemplateData<N>;
  readonly channels: readonly Channel[];
  /** Stable per logical message (e.g. `digest:<user>:<local date>`); the channel is appended. */
  readonly dedupeKey: string;
  /** When the decision is made (quiet hours); the clock's now unless a scheduled run says otherwise. */
  readonly at?: Date;
}

export interface NotificationsOptions {
  readonly webBaseUrl: string;
}

const FOOTER = 'You receive this because of your RastUp account. Manage notifications in your settings.';

export class NotificationService {
  constructor(
    private readonly db: NotificationsData,
    private readonly contacts: ContactDirectory,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly options: NotificationsOptions,
  ) {}

  async send<N extends TemplateName>(
    request: NotificationRequest<N>,
    settings?: SettingsRow,
  ): Promise<Partial<Record<Channel, ChannelOutcome>>> {
    const stored = settings ?? (await this.db.settings.get(request.userId));
    if (!stored) return Object.fromEntries(request.channels.map((channel) => [channel, 'NO_ACCOUNT' as const]));
    const category = TEMPLATES[request.template].category;
    const consents = await this.db.settings.consents(request.userId);
    const outcomes: Partial<Record<Channel, ChannelOutcome>> = {};
    for (const channel of request.channels) {
      const choice = consents.find((consent) => consent.channel === channel && consent.category === category);
      const allowed = consentLocked(channel, category) || (choice?.allowed ?? defaultConsent(channel, category));
      if (
        allowed &&
        channel !== 'IN_APP' &&
        respectsQuietHours(category) &&
        isQuietAt(request.at ?? this.clock.now(), stored.time_zone, stored.quiet_start_hour, stored.quiet_end_hour)
      ) {
        outcomes[channel] = 'QUIET_HOURS';
        continue;
      }
      outcomes[channel] = await this.deliver(request, channel, allowed);
    }
    return outcomes;
  }

  private async deliver<N extends TemplateName>(
    request: NotificationRequest<N>,
    channel: Channel,
    allowed: boolean,
  ): Promise<ChannelOutcome> {
    const category = TEMPLATES[request.template].category;
    const address = channel === 'EMAIL' ? await this.contacts.emailOf(request.userId) : null;
    let status: DeliveryStatus = 'SENT';
    if (!allowed) status = 'NO_CONSENT';
    else if (channel === 'SMS')
      status = 'NO_ADDRESS'; // no phone door yet: SMS is refused, not guessed
    else if (channel === 'EMAIL' && !address) status = 'NO_ADDRESS';
    else if (channel === 'EMAIL' && (await this.db.suppressions.isSuppressed('EMAIL', address!))) status = 'SUPPRESSED';
    const dedupeKey = `${request.dedupeKey}:${channel}`;
    const claimed = await this.db.deliveries.claim({
      id: newId('notification'),
      userId: request.userId,
      channel,
      category,
      template: request.template,
      dedupeKey,
      status,
    });
    if (!claimed) return 'DUPLICATE';
    if (status !== 'SENT') return status;
    const rendered = renderTemplate(request.template, request.data, {
      webBaseUrl: this.options.webBaseUrl,
      footer: FOOTER,
    });
    try {
      if (channel === 'EMAIL')
        await this.notifier.sendEmail({
          to: address!,
          subject: rendered.subject,
          html: rendered.html,
          text: rendered.text,
          template: request.template,
        });
      else
        await this.db.inbox.add({
          id: newId('notification'),
          userId: request.userId,
          category,
          title: rendered.subject,
          body: rendered.text.split('\n\n')[0]!,
        });
    } catch (error) {
      await this.db.deliveries.release(dedupeKey);
      throw error;
    }
    return 'SENT';
  }
}
