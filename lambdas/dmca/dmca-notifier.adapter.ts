/**
 * The DmcaNotifier port as outbox events, in the transaction of each step: the notifications domain
 * consumes them and tells the uploader (email and in-app), so a rolled-back step tells nobody and a
 * committed one is told at least once (its consumer deduplicates).
 */
import type { Transaction } from '../core/db/database.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import type { DmcaCase, DmcaNotifier } from './dmca.service.ts';

const caseFields = (dmcaCase: DmcaCase) => ({
  caseId: dmcaCase.id,
  ownerUserId: dmcaCase.ownerUserId,
  targetKind: dmcaCase.target.kind,
  targetId: dmcaCase.target.id,
});

export class OutboxDmcaNotifier implements DmcaNotifier {
  async takenDown(tx: Transaction, dmcaCase: DmcaCase): Promise<void> {
    await enqueueEvent(tx, buildEvent('dmca.taken_down', caseFields(dmcaCase)));
  }

  async counterNoticed(tx: Transaction, dmcaCase: DmcaCase): Promise<void> {
    if (!dmcaCase.restoreFrom || !dmcaCase.restoreBy) throw new Error('a counter-noticed case has its window');
    await enqueueEvent(
      tx,
      buildEvent('dmca.counter_noticed', {
        ...caseFields(dmcaCase),
        restoreFrom: dmcaCase.restoreFrom.toISOString(),
        restoreBy: dmcaCase.restoreBy.toISOString(),
      }),
    );
  }

  async noticeJoined(tx: Transaction, dmcaCase: DmcaCase, noticeId: string): Promise<void> {
    if (!dmcaCase.restoreFrom) throw new Error('a counter-noticed case has its window');
    await enqueueEvent(
      tx,
      buildEvent('dmca.notice_joined', {
        ...caseFields(dmcaCase),
        noticeId,
        restoreFrom: dmcaCase.restoreFrom.toISOString(),
      }),
    );
  }

  async restored(tx: Transaction, dmcaCase: DmcaCase): Promise<void> {
    await enqueueEvent(tx, buildEvent('dmca.restored', caseFields(dmcaCase)));
  }
}
