import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { ForbiddenError, StepUpRequiredError } from '../core/errors.ts';
import type { Role, UserCaller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { fakeUnitOfWork } from '../core/testing/fakes.ts';
import type { RefundablePayments } from '../payments/index.ts';
import { ProposalDecidedError, RefundNotPossibleError, SelfApprovalError } from './staff.errors.ts';
import type { GrantRow, GrantStore, ProposalRow, ProposalStore } from './staff.repository.ts';
import { StaffService } from './staff.service.ts';

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 12));
  const proposals = new Map<string, ProposalRow>();
  const grants: GrantRow[] = [];
  const proposalStore: ProposalStore = {
    insert: async (row) => {
      const stored = { decided_by: null, decision_note: null, decided_at: null, ...row } as ProposalRow;
      proposals.set(row.id, stored);
      return stored;
    },
    byId: async (id) => proposals.get(id) ?? null,
    decide: async (id, decision) => {
      const row = proposals.get(id)!;
      const decided = {
        ...row,
        status: decision.status,
        decided_by: decision.decidedBy,
        decision_note: decision.note,
        decided_at: decision.at,
      } as ProposalRow;
      proposals.set(id, decided);
      return decided;
    },
    list: async ({ status, first }) =>
      [...proposals.values()].filter((row) => !status || row.status === status).slice(0, first),
  };
  const grantStore: GrantStore = {
    insert: async (row) => void grants.push(row),
    activeFor: async (userId, at) =>
      grants.filter((grant) => grant.user_id === userId && (!grant.expires_at || grant.expires_at > at)),
  };
  const payments: RefundablePayments = {
    find: async (groupId) =>
      groupId === 'grp_captured'
        ? { paymentGroupId: groupId, currency: 'usd', captured: true, refundableCents: 100_000 }
        : groupId === 'grp_authorized'
          ? { paymentGroupId: groupId, currency: 'usd', captured: false, refundableCents: 0 }
          : null,
  };
  const db = fakeUnitOfWork({ proposals: proposalStore, grants: grantStore, payments });
  const service = new StaffService(db, clock, { refundDualControlCents: 50_000, proposalTtlHours: 24 });
  const member = (roles: Role[], stepUp = true): UserCaller => ({
    kind: 'user',
    userId: newId('user'),
    roles,
    amr: ['pwd', 'otp'],
    authTime: clock.nowSeconds(),
    sessionId: 'ses_1',
    expiresAt: clock.nowSeconds() + 900,
    ...(stepUp ? { stepUpAt: clock.nowSeconds() } : {}),
  });
  return { service, db, clock, grants, proposals, member };
}

const refund = (amountCents: number) => ({ paymentGroupId: 'grp_captured', amountCents, reason: 'Double-booked' });

describe('refund proposals', () => {
  it('over the threshold waits for a second finance member; approval enqueues one event and two audit entries', async () => {
    const { service, db, member } = setup();
    const proposer = member(['finance']);
    const proposed = await service.proposeRefund(proposer, refund(60_000));
    expect(proposed).toMatchObject({ status: 'PROPOSED', dualControl: true, amountCents: 60_000 });
    expect(db.kernel.eventTypes()).toEqual([]);

    await expect(service.decide(proposer, { proposalId: proposed.id, approve: true })).rejects.toBeInstanceOf(
      SelfApprovalError,
    );
    const approver = member(['finance']);
    const approved = await service.decide(approver, { proposalId: proposed.id, approve: true });
    expect(approved).toMatchObject({ status: 'APPROVED', decidedBy: approver.userId });
    expect(db.kernel.eventTypes()).toEqual(['staff.refund.approved']);
    expect(db.kernel.events[0]!.payload).toMatchObject({
      proposalId: proposed.id,
      amountCents: 60_000,
      proposedBy: proposer.userId,
      approvedBy: approver.userId,
    });
    expect(db.kernel.auditActions()).toEqual(['staff.proposal.created', 'staff.proposal.approved']);

    // The same approver retrying gets the decision back; anyone else a conflict. No second event.
    expect(await service.decide(approver, { proposalId: proposed.id, approve: true })).toEqual(approved);
    await expect(service.decide(member(['admin']), { proposalId: proposed.id, approve: true })).rejects.toBeInstanceOf(
      ProposalDecidedError,
    );
    expect(db.kernel.eventTypes()).toEqual(['staff.refund.approved']);
  });

  it('at or under the threshold, finance refunds alone; support never does', async () => {
    const { service, db, member } = setup();
    expect(await service.proposeRefund(member(['finance']), refund(50_000))).toMatchObject({
      status: 'APPROVED',
      dualControl: false,
    });
    expect(db.kernel.eventTypes()).toEqual(['staff.refund.approved']);
    expect(await service.proposeRefund(member(['support']), refund(100))).toMatchObject({
      status: 'PROPOSED',
      dualControl: true,
    });
    expect(db.kernel.eventTypes()).toHaveLength(1);
  });

  it('refuses without step-up, without a staff role, over the refundable amount, and on an uncaptured payment', async () => {
    const { service, db, member } = setup();
    await expect(service.proposeRefund(member(['finance'], false), refund(10))).rejects.toBeInstanceOf(
      StepUpRequiredError,
    );
    await expect(service.proposeRefund(member(['trust']), refund(10))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(service.proposeRefund(member(['client', 'provider']), refund(10))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(service.proposeRefund(member(['finance']), refund(100_001))).rejects.toBeInstanceOf(
      RefundNotPossibleError,
    );
    await expect(
      service.proposeRefund(member(['finance']), { ...refund(10), paymentGroupId: 'grp_authorized' }),
    ).rejects.toBeInstanceOf(RefundNotPossibleError);
    expect(db.transactions).toBe(0);
  });

  it('an undecided proposal lapses after its TTL: listed as EXPIRED, no longer approvable', async () => {
    const { service, clock, member } = setup();
    const proposed = await service.proposeRefund(member(['support']), refund(1_000));
    clock.advance(24 * 3_600_000);
    const finance = member(['finance']);
    await expect(service.decide(finance, { proposalId: proposed.id, approve: true })).rejects.toMatchObject({
      code: 'STAFF.PROPOSAL_DECIDED',
      details: { status: 'EXPIRED' },
    });
    expect((await service.proposals(finance, { status: 'EXPIRED' })).map((p) => p.id)).toEqual([proposed.id]);
  });

  it('masks fields by role: trust sees the queue but no money details', async () => {
    const { service, member } = setup();
    const proposed = await service.proposeRefund(member(['support']), refund(1_000));
    const asTrust = await service.proposal(member(['trust']), proposed.id);
    expect(asTrust).toMatchObject({ id: proposed.id, amountCents: null, paymentGroupId: null, currency: null });
    expect(asTrust.reason).toBe('Double-booked');
  });
});

describe('role grants and just-in-time elevation', () => {
  it('an approved elevation adds the role until it expires', async () => {
    const { service, clock, member } = setup();
    const support = member(['support']);
    const asked = await service.proposeRoleGrant(support, {
      userId: support.userId,
      role: 'finance',
      durationMinutes: 30,
      reason: 'Month-end',
    });
    await expect(service.decide(member(['finance']), { proposalId: asked.id, approve: true })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await service.decide(member(['admin']), { proposalId: asked.id, approve: true });
    expect((await service.myAccess(support)).roles).toEqual(['FINANCE', 'SUPPORT']);

    // While elevated, support may approve someone else's refund.
    const pending = await service.proposeRefund(member(['support']), refund(1_000));
    clock.advance(29 * 60_000);
    const steppedUp = { ...support, stepUpAt: clock.nowSeconds() };
    expect(await service.decide(steppedUp, { proposalId: pending.id, approve: true })).toMatchObject({
      status: 'APPROVED',
    });

    clock.advance(60_000);
    expect(await service.myAccess(support)).toMatchObject({ roles: ['SUPPORT'], elevations: [] });
    const later = await service.proposeRefund(member(['support']), refund(1_000));
    await expect(
      service.decide({ ...support, stepUpAt: clock.nowSeconds() }, { proposalId: later.id, approve: true }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('nobody approves a grant to themselves; a standing grant to another needs an admin proposer', async () => {
    const { service, member } = setup();
    const admin = member(['admin']);
    const proposed = await service.proposeRoleGrant(member(['admin']), {
      userId: admin.userId,
      role: 'finance',
      durationMinutes: null,
      reason: 'Cover',
    });
    await expect(service.decide(admin, { proposalId: proposed.id, approve: true })).rejects.toBeInstanceOf(
      SelfApprovalError,
    );
    await expect(
      service.proposeRoleGrant(member(['support']), {
        userId: newId('user'),
        role: 'admin',
        durationMinutes: null,
        reason: 'Please',
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
