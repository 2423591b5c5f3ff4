/**
 * DMCA takedown and restore (NTB-HELP-002; 17 U.S.C. §512(c) and (g)).
 *
 * A notice names public material (media, a profile, a studio). Each target gets at most one open
 * case: the first notice takes the material down, a notice about material already down joins its
 * case (the store's unique open-case-per-target rule decides between concurrent notices, so twenty
 * identical notices at once still make one takedown). A repeated notice (same complainant, same
 * targets, same work) answers the first one. The uploader is told and may file a counter notice;
 * the material comes back once the statutory window has passed (statutory-window.ts: from business
 * day 11, by the end of day 14) unless staff record that the complainant filed suit. Every step is
 * an entry in the hash-chained audit log, written in the transaction of the change.
 *
 * This is the domain core behind ports; the content and notification ports are implemented by the
 * owning domains (media, profiles) and notifications when the workflow is wired to its API.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import type { Transaction } from '../core/db/database.ts';
import type { TransactionScope, UnitOfWork } from '../core/db/unit-of-work.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { requireUser, type Caller } from '../core/identity.ts';
import { hasStaffRole, type StaffAuthority } from '../core/staff-authority.ts';
import { newId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import { noMetrics, type MetricsRecorder, type RateLimiter } from '../core/ports.ts';
import { customMetrics } from '../../infra/definitions/metrics.ts';
import { rateLimitPolicy } from '../core/rate-limit-matrix.ts';
import { enforceRateLimits } from '../core/rate-limit.ts';
import { requireRecentStepUp } from '../core/step-up.ts';
import type { DmcaCounterNoticeInput, DmcaNoticeInput, DmcaTarget, DmcaTargetRef } from './dmca.schemas.ts';
import { counterNoticeWindow } from './statutory-window.ts';

export type CaseStatus = 'TAKEN_DOWN' | 'COUNTER_NOTICED' | 'SUIT_FILED' | 'RESTORED';

export interface DmcaCase {
  readonly id: string;
  readonly target: DmcaTarget;
  readonly ownerUserId: string;
  readonly status: CaseStatus;
  readonly noticeIds: readonly string[];
  readonly takenDownAt: Date;
  readonly counterNoticedAt: Date | null;
  /** The §512(g)(3) counter notice as filed (forwarded to the complainants). */
  readonly counterNotice: DmcaCounterNoticeInput | null;
  readonly restoreFrom: Date | null;
  readonly restoreBy: Date | null;
  readonly closedAt: Date | null;
}

export interface DmcaNoticeRecord {
  readonly id: string;
  readonly dedupeKey: string;
  readonly receivedAt: Date;
  /** The notice as received: the §512(c)(3) record, and the complainant's contact for what follows. */
  readonly notice: DmcaNoticeInput;
  /** Targets that were not public material (nothing to take down). */
  readonly rejectedTargets: readonly DmcaTarget[];
}

/** The dmca tables (cases, notices). */
export interface DmcaStore {
  /** The notice with this dedupe key, if one was received. */
  noticeByKey(dedupeKey: string): Promise<DmcaNoticeRecord | undefined>;
  /** Inserts the notice; false when its dedupe key exists (a concurrent duplicate won). */
  insertNotice(notice: DmcaNoticeRecord): Promise<boolean>;
  /**
   * Opens a case for the target unless one is open (TAKEN_DOWN, COUNTER_NOTICED, SUIT_FILED);
   * `created` false answers the open one, with the notice added to it.
   */
  openCase(candidate: DmcaCase, noticeId: string): Promise<{ readonly created: boolean; readonly case: DmcaCase }>;
  /** The case, locked for the rest of the transaction. */
  caseForUpdate(caseId: string): Promise<DmcaCase | undefined>;
  updateCase(next: DmcaCase): Promise<void>;
  /** The open case (TAKEN_DOWN, COUNTER_NOTICED, SUIT_FILED) of the target, if any. */
  openCaseOf(target: DmcaTarget): Promise<DmcaCase | undefined>;
  /** Ids of counter-noticed cases whose window opened at or before `now`. */
  dueForRestore(now: Date): Promise<string[]>;
  /** Counter-noticed cases past their restore-by instant (the SLA breached). */
  overdue(now: Date): Promise<DmcaCase[]>;
  queue(status: CaseStatus | undefined, limit: number): Promise<DmcaCase[]>;
  /** The notices with these ids (a case's complainants). */
  noticesByIds(ids: readonly string[]): Promise<DmcaNoticeRecord[]>;
  /** The cases about an account's material, newest first. */
  casesOf(ownerUserId: string, limit: number): Promise<DmcaCase[]>;
}

/** The owning domains' side: who owns a public target, hiding and restoring it. */
export interface DmcaContent {
  /**
   * The target a complainant's reference names (a listing by slug or URL → its id). Throws a typed
   * error (not found, malformed) when it names nothing.
   */
  resolve(db: Transaction, ref: DmcaTargetRef): Promise<DmcaTarget>;
  /** The owner of the target while it is public; undefined when not found or not public. */
  publicOwnerOf(tx: Transaction, target: DmcaTarget): Promise<string | undefined>;
  /** Hidden from every public read and from search, in `tx`. */
  takeDown(tx: Transaction, target: DmcaTarget): Promise<void>;
  restore(tx: Transaction, target: DmcaTarget): Promise<void>;
}

/** Messages to the uploader and the complainant (notifications enqueue them in `tx`). */
export interface DmcaNotifier {
  takenDown(tx: Transaction, dmcaCase: DmcaCase): Promise<void>;
  counterNoticed(tx: Transaction, dmcaCase: DmcaCase, complainantNoticeIds: readonly string[]): Promise<void>;
  /** A notice joined a case already counter-noticed: its complainant is owed the copy the others got. */
  noticeJoined(tx: Transaction, dmcaCase: DmcaCase, noticeId: string): Promise<void>;
  restored(tx: Transaction, dmcaCase: DmcaCase): Promise<void>;
}

export type DmcaData = UnitOfWork<{ dmca: DmcaStore }>;
type Tx = TransactionScope<{ dmca: DmcaStore }>;

export class CaseNotOpenError extends ConflictError {
  constructor(status: CaseStatus) {
    super(`The case is ${status.toLowerCase().replace('_', ' ')}`, 'DMCA.CASE_NOT_OPEN', { status });
  }
}

const targetKey = (target: DmcaTarget | DmcaTargetRef) => `${target.kind}:${target.id}`;

/**
 * Same complainant, same material, same work: one notice, whatever the order, the wording's case or
 * how a listing was named (`targets` are the resolved ones; media are named by id only).
 */
export function noticeDedupeKey(
  input: DmcaNoticeInput,
  targets: readonly DmcaTarget[] = input.targets as DmcaTarget[],
): string {
  const canonical = JSON.stringify([
    input.complainant.email.trim().toLowerCase(),
    [...new Set(targets.map(targetKey))].sort(),
    input.copyrightedWork.trim().replace(/\s+/g, ' ').toLowerCase(),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface NoticeOutcome {
  readonly noticeId: string;
  readonly duplicate: boolean;
  readonly takenDown: readonly DmcaTarget[];
  readonly alreadyDown: readonly DmcaTarget[];
  readonly rejected: readonly DmcaTarget[];
}

/** Notices per source IP: anyone may file one without an account, so the intake is bounded (Appendix R). */
export const DMCA_NOTICE_LIMIT = rateLimitPolicy('dmca.notice.ip');

/** The notice bucket shared by every caller without a known source address. */
export const NO_ADDRESS_BUCKET = 'no-address';

const distinctTargetCount = (input: DmcaNoticeInput) => new Set(input.targets.map(targetKey)).size;

/** Who filed a notice, as the edge established it: the key of the intake's rate-limit bucket. */
export interface NoticeSource {
  readonly ip: string | undefined;
}

export class DmcaService {
  constructor(
    private readonly db: DmcaData,
    private readonly content: DmcaContent,
    private readonly notifier: DmcaNotifier,
    private readonly clock: Clock,
    private readonly staff: StaffAuthority,
    private readonly limiter: RateLimiter,
    private readonly metrics: MetricsRecorder = noMetrics,
    private readonly logger?: Logger,
  ) {}

  /**
   * A §512(c)(3) notice from anyone (API key or signed in). The limit is spent before any lookup,
   * so probing which ids are public costs tokens too.
   */
  async submitNotice(input: DmcaNoticeInput, source: NoticeSource): Promise<NoticeOutcome> {
    // Each target may be taken down, so each one costs a token. A caller whose address the edge could
    // not establish is not unlimited: all such callers share one bucket (it cannot collide with an IP).
    await enforceRateLimits(this.limiter, [
      { policy: DMCA_NOTICE_LIMIT, key: source.ip || NO_ADDRESS_BUCKET, cost: distinctTargetCount(input) },
    ]);
    // Resolved before the dedupe key: a listing named by its slug and by its URL is one target.
    const resolved = await this.db.transaction((tx) =>
      Promise.all(input.targets.map((ref) => this.content.resolve(tx, ref))),
    );
    const dedupeKey = noticeDedupeKey(input, resolved);
    const repeated = await this.db.dmca.noticeByKey(dedupeKey);
    if (repeated) return this.repeatOf(repeated);
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const noticeId = newId('dmcaNotice');
      const targets = [...new Map(resolved.map((target) => [targetKey(target), target])).values()];
      // Material already down is not public any more, yet a later notice about it must join its open
      // case (and its complainant be told of a counter notice), so the open case answers first.
      const owners = await Promise.all(
        targets.map(
          async (target) =>
            (await tx.dmca.openCaseOf(target))?.ownerUserId ?? (await this.content.publicOwnerOf(tx, target)),
        ),
      );
      const rejected = targets.filter((_, i) => owners[i] === undefined);
      const notice: DmcaNoticeRecord = {
        id: noticeId,
        dedupeKey,
        receivedAt: now,
        notice: input,
        rejectedTargets: rejected,
      };
      if (!(await tx.dmca.insertNotice(notice))) {
        // A concurrent identical notice committed first: this one is that one.
        const winner = await tx.dmca.noticeByKey(dedupeKey);
        if (!winner) throw new ConflictError('Notice is being received, retry', 'DMCA.NOTICE_IN_FLIGHT');
        return this.repeatOf(winner);
      }
      await appendAudit(
        tx,
        {
          actor: 'public:dmca-notice',
          action: 'dmca.notice.received',
          subject: noticeId,
          details: { targets: targets.map(targetKey), rejected: rejected.map(targetKey) },
        },
        now,
      );
      const takenDown: DmcaTarget[] = [];
      const alreadyDown: DmcaTarget[] = [];
      for (const [i, target] of targets.entries()) {
        const ownerUserId = owners[i];
        if (!ownerUserId) continue;
        const opened = await tx.dmca.openCase(
          {
            id: newId('dmcaCase'),
            target,
            ownerUserId,
            status: 'TAKEN_DOWN',
            noticeIds: [noticeId],
            takenDownAt: now,
            counterNoticedAt: null,
            counterNotice: null,
            restoreFrom: null,
            restoreBy: null,
            closedAt: null,
          },
          noticeId,
        );
        if (!opened.created) {
          alreadyDown.push(target);
          // Joined after the counter notice (the join re-reads the locked row, so a counter notice racing
          // it either sees this notice or is seen here): §512(g)(2)(B) owes this complainant a copy too.
          if (opened.case.status === 'COUNTER_NOTICED') await this.notifier.noticeJoined(tx, opened.case, noticeId);
          continue;
        }
        await this.content.takeDown(tx, target);
        await this.notifier.takenDown(tx, opened.case);
        await appendAudit(
          tx,
          {
            actor: 'system:dmca',
            action: 'dmca.taken_down',
            subject: opened.case.id,
            details: { target: targetKey(target), noticeId, ownerUserId },
          },
          now,
        );
        takenDown.push(target);
      }
      return { noticeId, duplicate: false, takenDown, alreadyDown, rejected };
    });
  }

  /** The uploader's counter notice: starts the statutory window. Someone else's case is "not found". */
  async fileCounterNotice(caller: Caller, input: DmcaCounterNoticeInput): Promise<DmcaCase> {
    const user = requireUser(caller);
    return this.db.transaction(async (tx) => {
      const current = await tx.dmca.caseForUpdate(input.caseId);
      if (!current || current.ownerUserId !== user.userId) throw new NotFoundError('Case not found');
      if (current.status !== 'TAKEN_DOWN') throw new CaseNotOpenError(current.status);
      const now = this.clock.now();
      const window = counterNoticeWindow(now);
      const next: DmcaCase = {
        ...current,
        status: 'COUNTER_NOTICED',
        counterNoticedAt: now,
        counterNotice: input,
        restoreFrom: window.restoreFrom,
        restoreBy: window.restoreBy,
      };
      await tx.dmca.updateCase(next);
      await this.notifier.counterNoticed(tx, next, next.noticeIds);
      await appendAudit(
        tx,
        {
          actor: user.userId,
          action: 'dmca.counter_noticed',
          subject: next.id,
          details: { restoreFrom: window.restoreFrom.toISOString(), restoreBy: window.restoreBy.toISOString() },
        },
        now,
      );
      return next;
    });
  }

  /**
   * Staff record that the complainant filed suit before the window passed: the material stays down.
   * It overrides a statutory restore, so it needs a recent second factor like other staff decisions.
   */
  async recordSuitFiled(caller: Caller, caseId: string, reference: string): Promise<DmcaCase> {
    const staff = await this.requireStaff(caller);
    requireRecentStepUp(caller, this.clock);
    return this.db.transaction(async (tx) => {
      const current = await tx.dmca.caseForUpdate(caseId);
      if (!current) throw new NotFoundError('Case not found');
      if (current.status !== 'COUNTER_NOTICED') throw new CaseNotOpenError(current.status);
      const next: DmcaCase = { ...current, status: 'SUIT_FILED' };
      await tx.dmca.updateCase(next);
      await appendAudit(
        tx,
        { actor: staff, action: 'dmca.suit_filed', subject: caseId, details: { reference } },
        this.clock.now(),
      );
      return next;
    });
  }

  /**
   * The scheduled job: restores every case whose window has opened, one transaction each (a case
   * whose suit was recorded meanwhile is skipped under its lock). Reports the cases past their
   * restore-by instant, for the SLA alarm. `at` is the run's instant (EventBridge's event time).
   */
  async restoreDue(
    at?: Date,
  ): Promise<{ readonly restored: string[]; readonly failed: string[]; readonly overdue: string[] }> {
    const now = at ?? this.clock.now();
    const restored: string[] = [];
    const failed: string[] = [];
    for (const caseId of await this.db.dmca.dueForRestore(now)) {
      try {
        if (await this.restoreOne(caseId, now)) restored.push(caseId);
      } catch (error) {
        // One case that cannot be restored must not hold back the others' statutory restore.
        failed.push(caseId);
        this.logger?.error('dmca restore failed', { caseId, error });
      }
    }
    if (failed.length > 0) this.metrics.count(customMetrics.dmcaRestoreFailed.name, failed.length);
    const overdue = (await this.db.dmca.overdue(now)).map((late) => late.id);
    if (overdue.length > 0) this.metrics.count(customMetrics.dmcaRestoreOverdue.name, overdue.length);
    return { restored, failed, overdue };
  }

  private restoreOne(caseId: string, now: Date): Promise<boolean> {
    return this.db.transaction(async (tx: Tx) => {
      const current = await tx.dmca.caseForUpdate(caseId);
      if (!current || current.status !== 'COUNTER_NOTICED' || !current.restoreFrom || current.restoreFrom > now)
        return false;
      const next: DmcaCase = { ...current, status: 'RESTORED', closedAt: now };
      await this.content.restore(tx, current.target);
      await tx.dmca.updateCase(next);
      await this.notifier.restored(tx, next);
      await appendAudit(
        tx,
        {
          actor: 'system:dmca',
          action: 'dmca.restored',
          subject: caseId,
          details: { target: targetKey(current.target) },
        },
        now,
      );
      return true;
    });
  }

  /**
   * The staff queue (trust and admin roles). Reading it is audited: the cases name accounts and the
   * counter notices carry the uploader's name and address.
   */
  async queue(caller: Caller, status?: CaseStatus, limit = 50): Promise<DmcaCase[]> {
    const staff = await this.requireStaff(caller);
    return this.db.transaction(async (tx) => {
      const cases = await tx.dmca.queue(status, Math.min(Math.max(limit, 1), 100));
      await appendAudit(
        tx,
        {
          actor: staff,
          action: 'dmca.queue.read',
          subject: 'dmca:queue',
          details: { status: status ?? null, cases: cases.map((item) => item.id) },
        },
        this.clock.now(),
      );
      return cases;
    });
  }

  /** The signed-in account's own cases (what was taken down, whether it may counter-notify). */
  async myCases(caller: Caller, limit = 50): Promise<DmcaCase[]> {
    const user = requireUser(caller);
    return this.db.dmca.casesOf(user.userId, Math.min(Math.max(limit, 1), 100));
  }

  private async requireStaff(caller: Caller): Promise<string> {
    const user = requireUser(caller);
    if (!(await hasStaffRole(this.staff, caller, 'admin', 'trust'))) throw new NotFoundError('Not found');
    return user.userId;
  }

  private repeatOf(notice: DmcaNoticeRecord): NoticeOutcome {
    return { noticeId: notice.id, duplicate: true, takenDown: [], alreadyDown: [], rejected: notice.rejectedTargets };
  }
}
