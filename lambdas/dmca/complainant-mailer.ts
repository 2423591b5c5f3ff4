/**
 * §512(g)(2)(B): when the uploader counter-notifies, every complainant of the case gets a copy of the
 * counter notice and the date the material comes back unless they file suit. The complainants are not
 * accounts (the notification service has no address for them), so the dmca Lambda mails them itself,
 * from the notices it keeps, consuming its own `dmca.counter_noticed` event once (consumeOnce: a send
 * that fails rolls the claim back and the redelivery sends again).
 */
import { consumeOnce } from '../core/db/outbox-relay.ts';
import type { DomainEvent } from '../core/events/catalog.ts';
import type { Notifier } from '../core/ports.ts';
import type { DmcaCounterNoticeInput } from './dmca.schemas.ts';
import type { DmcaData, DmcaNoticeRecord } from './dmca.service.ts';

export const COMPLAINANTS_CONSUMER = 'dmca-complainants';

export class ComplainantMailer {
  constructor(
    private readonly db: DmcaData,
    private readonly notifier: Notifier,
    /** The suppression list (notifications' door): a bounced or complaining address is not mailed again. */
    private readonly isSuppressed: (address: string) => Promise<boolean>,
  ) {}

  async onCounterNoticed(event: DomainEvent<'dmca.counter_noticed'>): Promise<void> {
    await consumeOnce(this.db, COMPLAINANTS_CONSUMER, event, async (tx) => {
      const dmcaCase = await tx.dmca.caseForUpdate(event.payload.caseId);
      if (!dmcaCase?.counterNotice) return;
      await this.send(dmcaCase.counterNotice, await tx.dmca.noticesByIds(dmcaCase.noticeIds), event.payload);
    });
  }

  /** A notice that joined the case after its counter notice: only its complainant is sent the copy. */
  async onNoticeJoined(event: DomainEvent<'dmca.notice_joined'>): Promise<void> {
    await consumeOnce(this.db, COMPLAINANTS_CONSUMER, event, async (tx) => {
      const dmcaCase = await tx.dmca.caseForUpdate(event.payload.caseId);
      if (!dmcaCase?.counterNotice) return;
      await this.send(dmcaCase.counterNotice, await tx.dmca.noticesByIds([event.payload.noticeId]), event.payload);
    });
  }

  private async send(
    counter: DmcaCounterNoticeInput,
    notices: readonly DmcaNoticeRecord[],
    {
      caseId,
      targetKind,
      targetId,
      restoreFrom,
    }: { caseId: string; targetKind: string; targetId: string; restoreFrom: string },
  ): Promise<void> {
    const addresses = [...new Set(notices.map((notice) => notice.notice.complainant.email.trim().toLowerCase()))];
    for (const to of addresses) {
      if (await this.isSuppressed(to)) continue;
      await this.notifier.sendEmail({
        to,
        template: 'dmca.counter_notice_forwarded',
        subject: 'Counter notice received for your DMCA notice',
        text: [
          `The uploader of ${targetKind.toLowerCase()} ${targetId} filed a counter notice under 17 U.S.C. §512(g)(3).`,
          `Unless you notify us that you have filed an action seeking a court order against them, the material will be restored on or after ${restoreFrom.slice(0, 10)} (10 to 14 business days).`,
          '',
          'The counter notice:',
          `Name: ${counter.name}`,
          `Address: ${counter.address}`,
          `Statement: ${counter.explanation}`,
          'Removed by mistake or misidentification, under penalty of perjury: yes',
          'Consents to the jurisdiction of the federal district court: yes',
          `Signature: ${counter.signature}`,
          '',
          `Case: ${caseId}`,
          '— RastUp designated agent',
        ].join('\n'),
      });
    }
  }
}
