/**
 * The staff back-office (NTB-ADMIN-001): least-privilege staff roles, dual control for sensitive
 * operations and just-in-time elevation.
 *
 * A sensitive operation is a proposal. Refunds above the threshold (and any refund proposed by
 * someone who may not release money) and every role grant need a second staff member: one proposes,
 * another approves, both with a recent step-up, the proposer never approves their own proposal (nor
 * anyone a grant to themselves). Each step is an entry in the hash-chained audit log, written in
 * the transaction of the change, so `npm run audit:verify` covers both. Approval locks the proposal
 * row: of many concurrent approvals one decides, the others see the decision (one effect: one
 * `staff.refund.approved` event, which payments turns into one refund keyed by the proposal).
 */
import type { Clock } from '../core/clock.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { ForbiddenError } from '../core/errors.ts';
import { buildEvent } from '../core/events/catalog.ts';
import { requireUser, type Caller, type UserCaller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { requireRecentStepUp } from '../core/step-up.ts';
import { GrantStaffAuthority } from './staff-authority.ts';
import { may, maySee, type StaffAction, type StaffRole } from './staff-policy.ts';
import {
  PaymentNotFoundError,
  ProposalDecidedError,
  ProposalNotFoundError,
  RefundNotPossibleError,
  SelfApprovalError,
} from './staff.errors.ts';
import type { StaffData, StaffTx } from './staff.repositories.ts';
import type { GrantRow, ProposalRow } from './staff.repository.ts';
import type { DecideProposalInput, ProposeRefundInput, ProposeRoleGrantInput } from './staff.schemas.ts';

export interface StaffSettings {
  readonly refundDualControlCents: number;
  readonly proposalTtlHours: number;
}

type Upper<T extends string> = Uppercase<T>;

export interface StaffProposalView {
  readonly id: string;
  readonly kind: ProposalRow['kind'];
  readonly status: ProposalRow['status'] | 'EXPIRED';
  readonly dualControl: boolean;
  readonly proposedBy: string;
  readonly decidedBy: string | null;
  readonly reason: string | null;
  readonly decisionNote: string | null;
  readonly paymentGroupId: string | null;
  readonly amountCents: number | null;
  readonly currency: string | null;
  readonly targetUserId: string | null;
  readonly role: Upper<StaffRole> | null;
  readonly durationMinutes: number | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decidedAt: string | null;
}

export interface StaffAccessView {
  readonly userId: string;
  readonly roles: Upper<StaffRole>[];
  readonly elevations: {
    readonly role: Upper<StaffRole>;
    readonly expiresAt: string | null;
    readonly proposalId: string;
  }[];
}

interface Staff {
  readonly user: UserCaller;
  readonly roles: ReadonlySet<StaffRole>;
  readonly grants: readonly GrantRow[];
}

const upper = <T extends string>(value: T) => value.toUpperCase() as Upper<T>;

export class StaffService {
  constructor(
    private readonly db: StaffData,
    private readonly clock: Clock,
    private readonly settings: StaffSettings,
  ) {}

  /**
   * The caller's staff roles now: through the same StaffAuthority every other domain's staff check
   * uses (token's standing roles plus grants in force), over this service's own grant store.
   */
  private async staff(caller: Caller): Promise<Staff> {
    const user = requireUser(caller);
    const grants = await this.db.grants.activeFor(user.userId, this.clock.now());
    const authority = new GrantStaffAuthority(
      { rolesInForce: async () => grants.map((grant) => grant.role) },
      this.clock,
    );
    return { user, roles: await authority.rolesOf(user), grants };
  }

  private async authorize(caller: Caller, action: StaffAction, stepUp: boolean): Promise<Staff> {
    const staff = await this.staff(caller);
    if (!may(staff.roles, action)) throw new ForbiddenError('Not allowed');
    if (stepUp) requireRecentStepUp(staff.user, this.clock);
    return staff;
  }

  async myAccess(caller: Caller): Promise<StaffAccessView> {
    const { user, roles, grants } = await this.staff(caller);
    return {
      userId: user.userId,
      roles: [...roles].sort().map(upper),
      elevations: grants.map((grant) => ({
        role: upper(grant.role),
        expiresAt: grant.expires_at?.toISOString() ?? null,
        proposalId: grant.proposal_id,
      })),
    };
  }

  async proposeRefund(caller: Caller, input: ProposeRefundInput): Promise<StaffProposalView> {
    const staff = await this.authorize(caller, 'refund.propose', true);
    const payment = await this.db.payments.find(input.paymentGroupId);
    if (!payment) throw new PaymentNotFoundError();
    if (!payment.captured) throw new RefundNotPossibleError('Only a captured payment can be refunded', 0);
    if (input.amountCents > payment.refundableCents)
      throw new RefundNotPossibleError(
        `At most ${payment.refundableCents} can still be refunded`,
        payment.refundableCents,
      );
    // Above the threshold, or proposed by someone who may not release money: a second person decides.
    const dualControl = input.amountCents > this.settings.refundDualControlCents || !may(staff.roles, 'refund.approve');
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      const created = await tx.proposals.insert({
        id: newId('staffProposal'),
        kind: 'REFUND',
        status: dualControl ? 'PROPOSED' : 'APPROVED',
        dual_control: dualControl,
        proposed_by: staff.user.userId,
        reason: input.reason,
        payload: { paymentGroupId: payment.paymentGroupId, amountCents: input.amountCents, currency: payment.currency },
        created_at: now,
        expires_at: this.expiry(now),
        ...(dualControl ? {} : { decided_by: staff.user.userId, decided_at: now }),
      });
      await this.audit(tx, staff.user.userId, 'staff.proposal.created', created, now);
      if (!dualControl) await this.applyApproved(tx, created, now);
      return created;
    });
    return this.view(row, staff.roles);
  }

  /**
   * A role grant: admins propose standing grants or elevations for anyone; any staff member may ask
   * for a just-in-time elevation of their own (with a duration), which an admin then approves.
   */
  async proposeRoleGrant(caller: Caller, input: ProposeRoleGrantInput): Promise<StaffProposalView> {
    const selfElevation = caller.kind === 'user' && input.userId === caller.userId && input.durationMinutes != null;
    const staff = selfElevation
      ? await this.authorize(caller, 'proposals.read', true)
      : await this.authorize(caller, 'roleGrant.propose', true);
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      const created = await tx.proposals.insert({
        id: newId('staffProposal'),
        kind: 'ROLE_GRANT',
        status: 'PROPOSED',
        dual_control: true,
        proposed_by: staff.user.userId,
        reason: input.reason,
        payload: { userId: input.userId, role: input.role, durationMinutes: input.durationMinutes ?? null },
        created_at: now,
        expires_at: this.expiry(now),
      });
      await this.audit(tx, staff.user.userId, 'staff.proposal.created', created, now);
      return created;
    });
    return this.view(row, staff.roles);
  }

  async decide(caller: Caller, input: DecideProposalInput): Promise<StaffProposalView> {
    const seen = await this.db.proposals.byId(input.proposalId);
    // Only staff learn whether a proposal id exists.
    const staff = await this.authorize(caller, 'proposals.read', false);
    if (!seen) throw new ProposalNotFoundError();
    this.refuseSelf(seen, staff.user.userId);
    const approver = await this.authorize(
      caller,
      seen.kind === 'REFUND' ? 'refund.approve' : 'roleGrant.approve',
      true,
    );
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      const proposal = await tx.proposals.byId(input.proposalId, { forUpdate: true });
      if (!proposal) throw new ProposalNotFoundError();
      this.refuseSelf(proposal, staff.user.userId);
      if (proposal.status !== 'PROPOSED') {
        // The same decider retrying (a lost answer) gets the decision back; anyone else a conflict.
        const wanted = input.approve ? 'APPROVED' : 'REJECTED';
        if (proposal.status === wanted && proposal.decided_by === staff.user.userId) return proposal;
        throw new ProposalDecidedError(proposal.status);
      }
      if (proposal.expires_at <= now) throw new ProposalDecidedError('EXPIRED');
      const decided = await tx.proposals.decide(proposal.id, {
        status: input.approve ? 'APPROVED' : 'REJECTED',
        decidedBy: staff.user.userId,
        note: input.note ?? null,
        at: now,
      });
      await this.audit(
        tx,
        staff.user.userId,
        input.approve ? 'staff.proposal.approved' : 'staff.proposal.rejected',
        decided,
        now,
      );
      if (input.approve) await this.applyApproved(tx, decided, now);
      return decided;
    });
    return this.view(row, approver.roles);
  }

  async proposals(
    caller: Caller,
    filter: { status?: StaffProposalView['status'] | null | undefined; first?: number | null | undefined },
  ): Promise<StaffProposalView[]> {
    const staff = await this.authorize(caller, 'proposals.read', false);
    const first = filter.first ?? 50;
    const stored = filter.status === 'EXPIRED' ? 'PROPOSED' : (filter.status ?? null);
    const rows = await this.db.proposals.list({ status: stored, first: filter.status ? first * 4 : first });
    return rows
      .map((row) => this.view(row, staff.roles))
      .filter((view) => !filter.status || view.status === filter.status)
      .slice(0, first);
  }

  async proposal(caller: Caller, id: string): Promise<StaffProposalView> {
    const staff = await this.authorize(caller, 'proposals.read', false);
    const row = await this.db.proposals.byId(id);
    if (!row) throw new ProposalNotFoundError();
    return this.view(row, staff.roles);
  }

  private refuseSelf(proposal: ProposalRow, deciderId: string): void {
    if (proposal.proposed_by === deciderId) throw new SelfApprovalError();
    if (proposal.kind === 'ROLE_GRANT' && proposal.payload.userId === deciderId) throw new SelfApprovalError();
  }

  private expiry(now: Date): Date {
    return new Date(now.getTime() + this.settings.proposalTtlHours * 3_600_000);
  }

  /** The effect of an approved proposal, in the approval's transaction. */
  private async applyApproved(tx: StaffTx, proposal: ProposalRow, now: Date): Promise<void> {
    if (proposal.kind === 'REFUND') {
      await enqueueEvent(
        tx,
        buildEvent('staff.refund.approved', {
          proposalId: proposal.id,
          paymentGroupId: proposal.payload.paymentGroupId,
          amountCents: proposal.payload.amountCents,
          currency: proposal.payload.currency,
          proposedBy: proposal.proposed_by,
          approvedBy: proposal.dual_control ? proposal.decided_by : null,
        }),
      );
      return;
    }
    const minutes = proposal.payload.durationMinutes;
    await tx.grants.insert({
      id: newId('staffGrant'),
      user_id: proposal.payload.userId,
      role: proposal.payload.role,
      proposal_id: proposal.id,
      granted_at: now,
      expires_at: minutes === null ? null : new Date(now.getTime() + minutes * 60_000),
    });
  }

  private async audit(tx: StaffTx, actor: string, action: string, proposal: ProposalRow, now: Date): Promise<void> {
    await appendAudit(
      tx,
      {
        actor,
        action,
        subject: proposal.id,
        details: {
          kind: proposal.kind,
          dualControl: proposal.dual_control,
          proposedBy: proposal.proposed_by,
          decidedBy: proposal.decided_by,
          ...proposal.payload,
        },
      },
      now,
    );
  }

  private view(row: ProposalRow, roles: ReadonlySet<StaffRole>): StaffProposalView {
    const refund = row.kind === 'REFUND' ? row.payload : null;
    const grant = row.kind === 'ROLE_GRANT' ? row.payload : null;
    const lapsed = row.status === 'PROPOSED' && row.expires_at <= this.clock.now();
    return {
      id: row.id,
      kind: row.kind,
      status: lapsed ? 'EXPIRED' : row.status,
      dualControl: row.dual_control,
      proposedBy: row.proposed_by,
      decidedBy: row.decided_by,
      reason: maySee(roles, 'reason') ? row.reason : null,
      decisionNote: maySee(roles, 'decisionNote') ? row.decision_note : null,
      paymentGroupId: refund && maySee(roles, 'paymentGroupId') ? refund.paymentGroupId : null,
      amountCents: refund && maySee(roles, 'amountCents') ? refund.amountCents : null,
      currency: refund && maySee(roles, 'amountCents') ? refund.currency : null,
      targetUserId: grant && maySee(roles, 'targetUserId') ? grant.userId : null,
      role: grant && maySee(roles, 'role') ? upper(grant.role) : null,
      durationMinutes: grant && maySee(roles, 'role') ? grant.durationMinutes : null,
      createdAt: row.created_at.toISOString(),
      expiresAt: row.expires_at.toISOString(),
      decidedAt: row.decided_at?.toISOString() ?? null,
    };
  }
}
