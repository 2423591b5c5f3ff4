/**
 * The DMCA domain's public module (NTB-HELP-002). Only the core exists so far: the workflow behind
 * its ports and the statutory window; no API field, table or job reaches it yet (see README).
 */
export { DmcaService, noticeDedupeKey } from './dmca.service.ts';
export type { CaseStatus, DmcaCase, DmcaContent, DmcaNotifier, DmcaStore, NoticeOutcome } from './dmca.service.ts';
export { dmcaCounterNoticeSchema, dmcaNoticeSchema, dmcaTargetSchema } from './dmca.schemas.ts';
export { counterNoticeWindow, DESIGNATED_AGENT_ZONE } from './statutory-window.ts';
