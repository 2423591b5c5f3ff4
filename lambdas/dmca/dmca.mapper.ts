/** Response shapes of the DMCA fields: whitelisted, so the notices' contact details never leave through a case. */
import type { DmcaCase, NoticeOutcome } from './dmca.service.ts';

export interface DmcaCaseView {
  id: string;
  target: { kind: string; id: string };
  status: DmcaCase['status'];
  noticeCount: number;
  takenDownAt: string;
  counterNoticedAt: string | null;
  restoreFrom: string | null;
  restoreBy: string | null;
  closedAt: string | null;
}

export function toDmcaCaseView(dmcaCase: DmcaCase): DmcaCaseView {
  return {
    id: dmcaCase.id,
    target: { kind: dmcaCase.target.kind, id: dmcaCase.target.id },
    status: dmcaCase.status,
    noticeCount: dmcaCase.noticeIds.length,
    takenDownAt: dmcaCase.takenDownAt.toISOString(),
    counterNoticedAt: dmcaCase.counterNoticedAt?.toISOString() ?? null,
    restoreFrom: dmcaCase.restoreFrom?.toISOString() ?? null,
    restoreBy: dmcaCase.restoreBy?.toISOString() ?? null,
    closedAt: dmcaCase.closedAt?.toISOString() ?? null,
  };
}

export function toNoticeReceipt(outcome: NoticeOutcome) {
  return {
    noticeId: outcome.noticeId,
    duplicate: outcome.duplicate,
    takenDown: outcome.takenDown,
    alreadyDown: outcome.alreadyDown,
    rejected: outcome.rejected,
  };
}
