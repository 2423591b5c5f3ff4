/**
 * Chargeback evidence (NTB-PAY-003): assemble a pack when a dispute opens, let finance staff review,
 * edit and approve it, and submit it to Stripe before `evidence_details.due_by`.
 *
 * - Assembly runs after the webhook's commit (never inside it: it reads booking and messaging) and
 *   again from the scheduled job for any open dispute still without a pack; version 1 is written once
 *   (the dispute row's state is the guard), so concurrent assemblers store one pack.
 * - Staff (role `finance` only) edit by version: an edit names the version it was made from and is
 *   refused as stale when another edit came first; approving names the version reviewed.
 * - Submission follows the rule "no Stripe call inside a transaction": the claim (state SUBMITTING,
 *   the version, Idempotency-Key `rastup:dispute-evidence:<dispute>:v<version>`) commits first, Stripe
 *   is called after, the outcome is recorded in a second transaction. Concurrent approvals and job runs
 *   find the claim and do not call Stripe again; a claim a crash left is resumed by the job after a
 *   minute with the same key (Stripe answers it from the first execution), so evidence is submitted once.
 * - The job submits approved packs, and an unreviewed pack on its own once the deadline is within the
 *   configured margin (better the assembled pack than none: an unanswered dispute is lost).
 */
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import type { UnitOfWork } from '../core/db/unit-of-work.ts';
import type { Caller, UserCaller } from '../core/identity.ts';
import { requireStaffRole, type StaffAuthority } from '../core/staff-authority.ts';
import type { Logger } from '../core/log.ts';
import {
  DISPUTE_EVIDENCE_MAX_TOTAL_CHARS,
  ProviderRequestError,
  ProviderStateError,
  type DisputeEvidence,
  type PaymentProvider,
} from '../core/payment-provider.ts';
import { requireRecentStepUp } from '../core/step-up.ts';
import { describePolicy, type DisputeEvidenceBookings } from '../booking/index.ts';
import type { BookingThreadExcerpt } from '../messaging/index.ts';
import { assembleEvidence, evidenceLength } from './dispute-evidence-pack.ts';
import { EVIDENCE_OPEN_STATUSES, type DisputeRow, type EvidenceVersionRow } from './dispute-evidence.repository.ts';
import { DisputePackStateError, StaleEvidenceVersionError } from './payments.errors.ts';
import type { PaymentsRepositories } from './payments.repositories.ts';

/** How many of the thread's newest messages a pack quotes. */
export const PACK_THREAD_MESSAGES = 40;
/** A SUBMITTING claim older than this is taken to be a crash between the steps, and resumed. */
const STALE_CLAIM_MS = 60_000;
const JOB_BATCH = 100;

export interface ThreadExcerpts {
  forBooking(
    input: { clientUserId: string; ownerUserIds: readonly string[]; from: Date; to: Date },
    limit: number,
  ): Promise<BookingThreadExcerpt>;
}

export interface DisputeEvidenceOptions {
  /** An unreviewed pack is submitted on its own once the deadline is this close. */
  readonly autoSubmitMarginMs: number;
}

export interface DisputeSummary {
  readonly row: DisputeRow;
  /** When the job submits the pack unreviewed (deadline minus the margin); null without a deadline. */
  readonly autoSubmitAt: Date | null;
}

export interface JobReport {
  readonly assembled: number;
  readonly submitted: number;
  readonly refused: number;
  readonly failed: number;
}

type SubmitOutcome = 'submitted' | 'refused' | 'in-flight' | 'not-due' | 'done';

const OPEN = EVIDENCE_OPEN_STATUSES as readonly string[];

export class DisputeEvidenceService {
  constructor(
    private readonly db: UnitOfWork<PaymentsRepositories>,
    private readonly provider: PaymentProvider,
    private readonly bookings: DisputeEvidenceBookings,
    private readonly threads: ThreadExcerpts,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: DisputeEvidenceOptions,
    private readonly staff: StaffAuthority,
  ) {}

  // ---- assembly ---------------------------------------------------------------------------------

  /** Version 1 of the dispute's pack, if it is open, belongs to a booking and has none yet. */
  async assemble(disputeId: string): Promise<boolean> {
    const dispute = await this.db.disputes.find(disputeId);
    if (!dispute || dispute.pack_state !== 'NONE' || !dispute.group_id || !OPEN.includes(dispute.status)) return false;
    const booking = await this.bookings.forGroup(dispute.group_id);
    if (!booking) return false;
    const [acceptance, thread] = await Promise.all([
      this.db.disputes.acceptance(dispute.group_id),
      this.threads
        .forBooking(
          {
            clientUserId: booking.clientUserId,
            ownerUserIds: booking.legs.map((leg) => leg.ownerUserId),
            from: booking.requestedAt,
            to: dispute.created_at,
          },
          PACK_THREAD_MESSAGES,
        )
        .catch((error: unknown) => {
          // The pack goes out without the conversation rather than not at all; finance sees the gap.
          this.logger.warn('Booking thread unreadable for a dispute pack', { disputeId, error });
          return null;
        }),
    ]);
    const evidence = assembleEvidence({
      dispute: { amountCents: dispute.amount_cents, currency: dispute.currency, reason: dispute.reason },
      booking,
      policyLines: describePolicy(booking.cancellationPolicy),
      acceptance: acceptance
        ? {
            acceptedAt: acceptance.created_at,
            quoteId: acceptance.quote?.quoteId ?? null,
            legPolicies: (acceptance.quote?.legs ?? []).map((leg) => ({
              listingId: leg.listingId,
              policy: leg.cancellationPolicy ?? null,
            })),
          }
        : null,
      thread,
    });
    const stored = await this.db.transaction((tx) =>
      tx.disputes.insertFirstVersion(disputeId, evidence, `assembled for dispute reason ${dispute.reason}`),
    );
    if (stored) this.logger.info('Dispute evidence pack assembled', { disputeId, groupId: dispute.group_id });
    return stored;
  }

  // ---- finance staff ----------------------------------------------------------------------------

  async queue(caller: Caller, input: { open: boolean; first: number }): Promise<DisputeSummary[]> {
    await this.finance(caller);
    return (await this.db.disputes.queue({ open: input.open, limit: input.first })).map((row) => this.summary(row));
  }

  async pack(
    caller: Caller,
    disputeId: string,
    version: number | null,
  ): Promise<{ dispute: DisputeSummary; pack: EvidenceVersionRow | null }> {
    await this.finance(caller);
    const row = await this.db.disputes.find(disputeId);
    if (!row || !row.group_id) throw new NotFoundError('Dispute not found');
    const wanted = version ?? row.pack_version;
    const pack = wanted === null ? null : await this.db.disputes.version(disputeId, wanted);
    if (version !== null && !pack) throw new NotFoundError('No such version of the evidence pack');
    return { dispute: this.summary(row), pack };
  }

  /** A new version from `baseVersion` with `changes` (a field set to "" is cleared). */
  async edit(
    caller: Caller,
    input: { disputeId: string; baseVersion: number; changes: DisputeEvidence; note: string | null },
  ): Promise<{ dispute: DisputeSummary; pack: EvidenceVersionRow }> {
    const user = await this.finance(caller);
    return this.db.transaction(async (tx) => {
      const row = await tx.disputes.lock(input.disputeId);
      if (!row || !row.group_id) throw new NotFoundError('Dispute not found');
      if (row.pack_state === 'NONE') throw new DisputePackStateError('The evidence pack is still being assembled');
      if (!['DRAFT', 'APPROVED'].includes(row.pack_state) || !OPEN.includes(row.status))
        throw new DisputePackStateError(`The evidence pack can no longer be edited (${row.pack_state})`);
      if (row.pack_version !== input.baseVersion) throw new StaleEvidenceVersionError(row.pack_version ?? 0);
      const base = await tx.disputes.version(input.disputeId, input.baseVersion);
      if (!base) throw new NotFoundError('No such version of the evidence pack');
      const merged: Record<string, string> = { ...base.evidence };
      for (const [field, value] of Object.entries(input.changes)) {
        if (value === undefined) continue;
        if (value === '') delete merged[field];
        else merged[field] = value;
      }
      if (evidenceLength(merged) > DISPUTE_EVIDENCE_MAX_TOTAL_CHARS)
        throw new ValidationError('Evidence text is longer than Stripe accepts', [
          { path: 'input', message: `at most ${DISPUTE_EVIDENCE_MAX_TOTAL_CHARS} characters in all fields together` },
        ]);
      const version = input.baseVersion + 1;
      await tx.disputes.insertVersion({
        disputeId: input.disputeId,
        version,
        evidence: merged,
        author: user.userId,
        note: input.note,
      });
      const updated = (await tx.disputes.find(input.disputeId))!;
      return { dispute: this.summary(updated), pack: (await tx.disputes.version(input.disputeId, version))! };
    });
  }

  /**
   * Approves the version the caller reviewed, then submits it (after the approval commits). Approving
   * again, or while a submission runs, changes nothing and submits nothing more.
   */
  async approve(caller: Caller, input: { disputeId: string; version: number }): Promise<DisputeSummary> {
    const user = requireRecentStepUp(await this.finance(caller), this.clock);
    await this.db.transaction(async (tx) => {
      const row = await tx.disputes.lock(input.disputeId);
      if (!row || !row.group_id) throw new NotFoundError('Dispute not found');
      if (row.pack_state === 'APPROVED' && row.approved_version === input.version) return;
      if (['SUBMITTING', 'SUBMITTED'].includes(row.pack_state) && row.submit_version === input.version) return;
      if (row.pack_state !== 'DRAFT' && row.pack_state !== 'APPROVED')
        throw new DisputePackStateError(`The evidence pack can no longer be approved (${row.pack_state})`);
      if (!OPEN.includes(row.status))
        throw new DisputePackStateError(`Stripe no longer takes evidence for this dispute (${row.status})`);
      if (row.pack_version !== input.version) throw new StaleEvidenceVersionError(row.pack_version ?? 0);
      await tx.disputes.approve(input.disputeId, input.version, user.userId, this.clock.now());
    });
    await this.submit(input.disputeId);
    return this.summary((await this.db.disputes.find(input.disputeId))!);
  }

  // ---- submission -------------------------------------------------------------------------------

  /** Submits the dispute's pack if it is approved, or unreviewed within the margin, or a stale claim. */
  async submit(disputeId: string, now: Date = this.clock.now()): Promise<SubmitOutcome> {
    const claim = await this.db.transaction(async (tx) => {
      const row = await tx.disputes.lock(disputeId);
      if (!row) return 'done' as const;
      if (row.pack_state === 'SUBMITTED' || row.pack_state === 'REFUSED') return 'done' as const;
      if (row.pack_state === 'SUBMITTING') {
        if (row.submit_started_at && now.getTime() - row.submit_started_at.getTime() < STALE_CLAIM_MS)
          return 'in-flight' as const;
        // A crash between the steps: resume with the same key and version.
        await tx.disputes.touchClaim(disputeId, now);
        return { key: row.submit_key!, version: row.submit_version!, auto: row.submit_auto ?? false };
      }
      if (!OPEN.includes(row.status)) return 'done' as const;
      let version: number;
      let auto = false;
      if (row.pack_state === 'APPROVED') version = row.approved_version!;
      else if (row.pack_state === 'DRAFT' && this.autoSubmitDue(row, now)) {
        version = row.pack_version!;
        auto = true;
      } else return 'not-due' as const;
      const key = `rastup:dispute-evidence:${disputeId}:v${version}`;
      await tx.disputes.claimSubmission({ disputeId, version, key, auto, at: now });
      return { key, version, auto };
    });
    if (typeof claim === 'string') return claim;
    const pack = await this.db.disputes.version(disputeId, claim.version);
    if (!pack) throw new NotFoundError('No such version of the evidence pack');
    try {
      const answer = await this.provider.submitDisputeEvidence({
        disputeId,
        evidence: pack.evidence,
        metadata: { evidence_version: String(claim.version), auto_submitted: String(claim.auto) },
        idempotencyKey: claim.key,
      });
      await this.db.disputes.finishSubmission(disputeId, claim.key, { submittedAt: this.clock.now() });
      this.logger.info('Dispute evidence submitted', {
        disputeId,
        version: claim.version,
        auto: claim.auto,
        status: answer.status,
        submissionCount: answer.submissionCount,
      });
      return 'submitted';
    } catch (error) {
      // Past the deadline, or the dispute closed: nothing was submitted; finance sees why in the queue.
      if (error instanceof ProviderRequestError || error instanceof ProviderStateError) {
        await this.db.disputes.finishSubmission(disputeId, claim.key, { refusal: error.message });
        this.logger.error('Stripe refused dispute evidence', {
          disputeId,
          version: claim.version,
          reason: error.message,
        });
        return 'refused';
      }
      // Stripe unreachable: the claim stays; the job resumes it with the same key.
      throw error;
    }
  }

  /** The scheduled job: packs still missing, then every submission due. One failure does not stop the rest. */
  async runJob(now: Date = this.clock.now()): Promise<JobReport> {
    let assembled = 0;
    let submitted = 0;
    let refused = 0;
    let failed = 0;
    for (const id of await this.db.disputes.withoutPack(JOB_BATCH)) {
      try {
        if (await this.assemble(id)) assembled += 1;
      } catch (error) {
        failed += 1;
        this.logger.error('Dispute pack assembly failed', { disputeId: id, error });
      }
    }
    const due = await this.db.disputes.dueForSubmission({
      autoBefore: new Date(now.getTime() + this.options.autoSubmitMarginMs),
      staleBefore: new Date(now.getTime() - STALE_CLAIM_MS),
      limit: JOB_BATCH,
    });
    for (const id of due) {
      try {
        const outcome = await this.submit(id, now);
        if (outcome === 'submitted') submitted += 1;
        if (outcome === 'refused') refused += 1;
      } catch (error) {
        failed += 1;
        this.logger.error('Dispute evidence submission failed; retried by the next run', { disputeId: id, error });
      }
    }
    return { assembled, submitted, refused, failed };
  }

  private autoSubmitDue(row: DisputeRow, now: Date): boolean {
    return (
      row.evidence_due_by !== null && row.evidence_due_by.getTime() - this.options.autoSubmitMarginMs <= now.getTime()
    );
  }

  private summary(row: DisputeRow): DisputeSummary {
    return {
      row,
      autoSubmitAt: row.evidence_due_by
        ? new Date(row.evidence_due_by.getTime() - this.options.autoSubmitMarginMs)
        : null,
    };
  }

  /** Least privilege: chargeback evidence is finance's work alone (not admin, support or trust). */
  private async finance(caller: Caller): Promise<UserCaller> {
    try {
      return await requireStaffRole(this.staff, caller, 'finance');
    } catch (error) {
      if (error instanceof ForbiddenError) throw new ForbiddenError('Finance staff only');
      throw error;
    }
  }
}
