/**
 * DSAR export (NTB-EXPORT-001): every owning domain's part of an account, gathered through that
 * domain's public module (each reads only its own tables or items), assembled into one bundle with
 * receipts (export-bundle.ts), stored privately and handed out as a short-lived download link.
 * Asynchronous: a request is accepted at once, the export worker builds it, the status query hands
 * out the link.
 * Needs a recent step-up (the bundle holds the full phone, IP history and messages), is limited per
 * account per day, and is audited in the hash chain with the bundle's SHA-256.
 */
import type { Clock } from '../core/clock.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import type { JsonRow } from '../core/db/json-rows.ts';
import type { DomainEvent } from '../core/events/catalog.ts';
import { guardNotErased, isErased as isErasedNow, markErased } from '../core/db/erased-users.ts';
import { NotFoundError } from '../core/errors.ts';
import { consumeOnce } from '../core/db/outbox-relay.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import { isStepUpRecent, requireRecentStepUp } from '../core/step-up.ts';
import { buildExportBundle, otherUserIds, type SectionData } from './export-bundle.ts';
import { ExportRateLimitedError } from './privacy.errors.ts';
import type { ExportRow } from './export.repository.ts';
import type { PrivacyData } from './privacy.repositories.ts';

/** One owning domain's part: what it holds about `userId`, as named lists of records. */
export interface ExportSection {
  readonly name: string;
  collect(userId: string, now: Date): Promise<Record<string, JsonRow[]>>;
}

export interface ExportStorage {
  write(key: string, body: Buffer): Promise<void>;
  /** A GET link to a stored bundle that stops working after `expiresSeconds`. */
  downloadUrl(key: string, expiresSeconds: number): Promise<string>;
  /** Deletes every stored object under `prefix`; returns how many. */
  deleteUnder(prefix: string): Promise<number>;
}

export interface DataExportView {
  readonly id: string;
  /** EXPIRED: READY once, but the bucket has deleted the bundle since. */
  readonly status: ExportRow['status'] | 'EXPIRED';
  readonly requestedAt: string;
  readonly completedAt: string | null;
  /** Only once READY and to a caller with a recent step-up: a fresh GET link, good for `urlSeconds`. */
  readonly downloadUrl: string | null;
  /** READY, but the link waits for a step-up. */
  readonly stepUpRequired: boolean;
  readonly expiresAt: string | null;
  readonly sha256: string | null;
  readonly sizeBytes: number | null;
  readonly sections: readonly string[] | null;
}

/** What the platform calls other people (auth's display names), to pseudonymise them in free text. */
export type NamesOf = (userIds: readonly string[]) => Promise<ReadonlyMap<string, readonly string[]>>;

export interface ExportPolicy {
  readonly perDay: number;
  readonly urlSeconds: number;
  /**
   * After how long a BUILDING request counts as abandoned (failed) when the account asks again. At least
   * the worker's whole retry time, so a build still being retried is never failed under it.
   */
  readonly abandonAfterSeconds: number;
  /** How long the bucket keeps a bundle (its lifecycle expiry); a READY row older than this has no file. */
  readonly bundleSeconds: number;
  /** Tables/stores with a user column that are deliberately not in the bundle, and why. */
  readonly excluded: Readonly<Record<string, string>>;
}

export const PRIVACY_ERASURE_CONSUMER = 'privacy-user-deleted';

const bundlePrefix = (userId: string) => `exports/${userId}/`;

export class ExportService {
  constructor(
    private readonly db: PrivacyData,
    private readonly sections: readonly ExportSection[],
    private readonly storage: ExportStorage,
    private readonly namesOf: NamesOf,
    private readonly clock: Clock,
    private readonly policy: ExportPolicy,
    private readonly logger: Logger,
  ) {}

  /**
   * Accepts a request and answers at once (the bundle of a large account takes longer than AppSync's
   * 30 s): the row (BUILDING) and `privacy.export.requested` commit together, and the worker builds it.
   * While one is building, asking again answers that one and counts nothing.
   */
  async requestExport(caller: Caller): Promise<DataExportView> {
    const { userId } = requireRecentStepUp(caller, this.clock);
    const requestedAt = this.clock.now();
    const outcome = await this.db.transaction(async (tx) => {
      // A deleted account's still-valid token exports nothing (its erasure may already have run).
      await guardNotErased(tx, userId, 'Account not found');
      await tx.exports.lockAccount(userId);
      // A build the worker gave up on would otherwise be answered forever (and block the account).
      const stale = await tx.exports.abandonStale(
        userId,
        new Date(requestedAt.getTime() - this.policy.abandonAfterSeconds * 1000),
        requestedAt,
      );
      if (stale > 0) this.logger.warn('abandoned data export failed', { userId, stale });
      const pending = await tx.exports.building(userId);
      if (pending) return { ok: true as const, row: pending };
      const exportId = newId('dataExport');
      const reserved = await tx.exports.reserve(userId, exportId, requestedAt, this.policy.perDay);
      if (!reserved.ok) return reserved;
      await enqueueEvent(tx, buildEvent('privacy.export.requested', { exportId, userId }));
      await appendAudit(
        tx,
        { actor: userId, action: 'privacy.export.requested', subject: userId, details: { exportId } },
        requestedAt,
      );
      return { ok: true as const, row: (await tx.exports.byId(exportId))! };
    });
    if (!outcome.ok) throw new ExportRateLimitedError(outcome.retryAfterSeconds);
    return this.view(outcome.row, true);
  }

  /**
   * The account's own export by id (someone else's is "not found"). The status needs only a session; the
   * link to a READY one needs a recent step-up like the request did (a stolen session token must not
   * download the full phone, IP history and messages), so without it the view says `stepUpRequired`.
   */
  async exportStatus(caller: Caller, exportId: string): Promise<DataExportView> {
    const user = requireUser(caller);
    const row = await this.db.exports.byId(exportId);
    if (!row || row.user_id !== user.userId) throw new NotFoundError('Export not found');
    return this.view(row, isStepUpRecent(user.stepUpAt, this.clock.nowSeconds()));
  }

  /**
   * The worker (privacy.export.requested): builds the bundle of a BUILDING request once; a redelivery
   * of a finished one does nothing. A build that throws is recorded FAILED (it does not count against
   * the account's limit, and frees the account to ask again) rather than retried forever.
   */
  async build(event: DomainEvent<'privacy.export.requested'>): Promise<void> {
    const { exportId, userId } = event.payload;
    const row = await this.db.exports.byId(exportId);
    if (!row || row.status !== 'BUILDING' || row.user_id !== userId) return;
    try {
      const parts = await Promise.all(
        this.sections.map(async (section) => [section.name, await section.collect(userId, row.created_at)] as const),
      );
      const sections = Object.fromEntries(parts) as Record<string, SectionData>;
      const otherNames = await this.namesOf(otherUserIds(sections, userId));
      const generatedAt = this.clock.now();
      const { bytes, sha256, bundle } = buildExportBundle({
        exportId,
        subjectUserId: userId,
        generatedAt,
        sections,
        excluded: this.policy.excluded,
        otherNames,
      });
      const objectKey = `${bundlePrefix(userId)}${exportId}.json`;
      await this.storage.write(objectKey, bytes);
      const erased = await this.db.transaction(async (tx) => {
        // Erased while the bundle was built: privacy-user-deleted may have run already, so this bundle goes.
        if (await isErasedNow(tx, userId)) return true;
        await tx.exports.complete(exportId, {
          objectKey,
          sha256,
          sizeBytes: bytes.length,
          sections: bundle.manifest.sections,
          at: generatedAt,
        });
        await tx.accounts.markExported(userId, generatedAt);
        await appendAudit(
          tx,
          {
            actor: userId,
            action: 'privacy.export.generated',
            subject: userId,
            details: { exportId, sha256, sections: bundle.manifest.sections },
          },
          generatedAt,
        );
        return false;
      });
      if (erased) {
        await this.storage.deleteUnder(objectKey);
        return;
      }
      this.logger.info('data export generated', { exportId, userId, sizeBytes: bytes.length });
    } catch (error) {
      this.logger.error('data export failed', { exportId, userId, error });
      await this.db.exports.fail(exportId, this.clock.now());
    }
  }

  private async view(row: ExportRow, steppedUp: boolean): Promise<DataExportView> {
    // The bucket deletes a bundle a day after it was written (built): past that a link would only 404.
    const expired =
      row.status === 'READY' &&
      row.completed_at !== null &&
      this.clock.nowMs() >= row.completed_at.getTime() + this.policy.bundleSeconds * 1000;
    const ready = row.status === 'READY' && row.object_key !== null && !expired;
    const link = ready && steppedUp;
    return {
      id: row.id,
      status: expired ? 'EXPIRED' : row.status,
      requestedAt: row.created_at.toISOString(),
      completedAt: row.completed_at?.toISOString() ?? null,
      downloadUrl: link ? await this.storage.downloadUrl(row.object_key!, this.policy.urlSeconds) : null,
      stepUpRequired: ready && !steppedUp,
      expiresAt: link ? new Date(this.clock.nowMs() + this.policy.urlSeconds * 1000).toISOString() : null,
      sha256: row.sha256,
      sizeBytes: row.size_bytes,
      sections: row.sections,
    };
  }

  /**
   * Account deletion (auth's user.deleted): the stored bundles (everything the account held) and
   * the receipts go. Objects first, rows in the consumer's transaction: a failure is retried whole.
   */
  async onUserDeleted(event: DomainEvent<'user.deleted'>): Promise<void> {
    const { userId } = event.payload;
    await consumeOnce(this.db, PRIVACY_ERASURE_CONSUMER, event, async (tx) => {
      // Exclusive: an export in flight either completes first (and its bundle is deleted here) or sees the marker.
      await markErased(tx, userId);
      const objects = await this.storage.deleteUnder(bundlePrefix(userId));
      const rows = await tx.exports.deleteForUser(userId);
      this.logger.info('account erased in privacy', { userId, objects, rows });
    });
  }
}
