/**
 * The owning domains' parts of a DSAR export, each reached through that domain's public module
 * (lambdas/<domain>/index.ts): the query runs as the privacy role, which migration 2800 grants
 * SELECT on exactly those tables; messaging reads its DynamoDB items. Media's originals are turned
 * into short-lived links here (the key itself is internal).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Queryable } from '../core/db/database.ts';
import type { JsonRow } from '../core/db/json-rows.ts';
import { accountExportSection } from '../auth/index.ts';
import { bookingExportSection } from '../booking/index.ts';
import { dmcaExportSection } from '../dmca/index.ts';
import { mediaExportSection } from '../media/index.ts';
import { deliverablesExportSection, MessagingExport } from '../messaging/index.ts';
import { notificationsExportSection } from '../notifications/index.ts';
import { partnerExportSection } from '../partner/index.ts';
import { paymentsExportSection } from '../payments/index.ts';
import { profilesExportSection } from '../profiles/index.ts';
import { reviewsExportSection } from '../reviews/index.ts';
import { staffExportSection } from '../staff/index.ts';
import type { ExportSection } from './export.service.ts';

export interface SectionSources {
  readonly db: Queryable;
  readonly dynamo: DynamoDBDocumentClient;
  readonly messagingTable: string;
  /** A short-lived GET link to one of the account's own originals. */
  readonly originalUrl: (key: string) => Promise<string>;
}

export function exportSections(sources: SectionSources): ExportSection[] {
  const { db } = sources;
  const messaging = new MessagingExport(sources.dynamo, sources.messagingTable);
  return [
    { name: 'auth', collect: (userId) => accountExportSection(db, userId) },
    { name: 'profiles', collect: (userId) => profilesExportSection(db, userId) },
    {
      name: 'media',
      collect: async (userId) => {
        const { items } = await mediaExportSection(db, userId);
        return { items: await Promise.all(items.map((item) => withOriginalLink(item, sources.originalUrl))) };
      },
    },
    { name: 'booking', collect: (userId) => bookingExportSection(db, userId) },
    { name: 'payments', collect: (userId) => paymentsExportSection(db, userId) },
    { name: 'messaging', collect: (userId) => messaging.section(userId) },
    { name: 'messagingDeliverables', collect: (userId) => deliverablesExportSection(db, userId) },
    { name: 'reviews', collect: (userId, now) => reviewsExportSection(db, userId, now) },
    { name: 'notifications', collect: (userId) => notificationsExportSection(db, userId) },
    { name: 'partner', collect: (userId) => partnerExportSection(db, userId) },
    { name: 'staff', collect: (userId) => staffExportSection(db, userId) },
    { name: 'dmca', collect: (userId) => dmcaExportSection(db, userId) },
  ];
}

async function withOriginalLink(item: JsonRow, originalUrl: (key: string) => Promise<string>): Promise<JsonRow> {
  const { original_key: key, ...rest } = item;
  return { ...rest, original_url: typeof key === 'string' ? await originalUrl(key) : null };
}
