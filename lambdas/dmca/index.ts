/**
 * The DMCA domain's public module (NTB-HELP-002): the workflow behind its ports, the statutory
 * window, its PostgreSQL store (db/migrations/3010_dmca.sql) and its part of the data export. No API
 * field or job reaches it yet (see README).
 */
export { DmcaService, noticeDedupeKey } from './dmca.service.ts';
export type { CaseStatus, DmcaCase, DmcaContent, DmcaNotifier, DmcaStore, NoticeOutcome } from './dmca.service.ts';
export { dmcaCounterNoticeSchema, dmcaNoticeSchema, dmcaTargetSchema } from './dmca.schemas.ts';
export { counterNoticeWindow, DESIGNATED_AGENT_ZONE } from './statutory-window.ts';
export { dmcaRepositories, type DmcaRepositories } from './dmca.repositories.ts';
export { dmcaExportSection } from './dmca-export.query.ts';
