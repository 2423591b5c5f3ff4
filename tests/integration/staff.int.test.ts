/**
 * Staff back-office over GraphQL on the local stack (NTB-ADMIN-001): a refund over the dual-control
 * threshold waits for a second staff member, self-approval is refused with a typed error, both steps
 * are in the audit chain that `verifyAuditChain` (npm run audit:verify) checks, and the refund itself
 * is made once by payments (real Stripe SDK against the loopback stand-in) — also when many staff
 * members approve at the same moment. Just-in-time elevation grants a role until it lapses, and every
 * domain's staff check honours it from the next call (no new sign-in) until the very moment it lapses.
 */
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../lambdas/core/db/database.ts';
import { verifyAuditChain } from '../../lambdas/core/db/audit-log.ts';
import { newId } from '../../lambdas/core/ids.ts';
import type { Role } from '../../lambdas/core/identity.ts';
import { stackInfo } from '../support/clients.ts';
import { eventually, gqlAs, gqlOk, sql } from '../support/graphql.ts';
import { capturedPayment } from '../support/payments.ts';
import { mintAccessToken } from '../support/tokens.ts';

const PROPOSAL = `id kind status dualControl proposedBy decidedBy reason paymentGroupId amountCents currency
  targetUserId role durationMinutes expiresAt decidedAt`;
const PROPOSE_REFUND = `mutation($input: ProposeRefundInput!) { proposeRefund(input: $input) { ${PROPOSAL} } }`;
const DECIDE = `mutation($input: DecideStaffProposalInput!) { decideStaffProposal(input: $input) { ${PROPOSAL} } }`;
const PROPOSE_GRANT = `mutation($input: ProposeRoleGrantInput!) { proposeRoleGrant(input: $input) { ${PROPOSAL} } }`;
const ACCESS = `{ myStaffAccess { userId roles elevations { role expiresAt proposalId } } }`;

async function staffMember(roles: Role[], stepUp = true) {
  const userId = newId('user');
  return { userId, token: await mintAccessToken({ userId, roles, ...(stepUp ? { stepUpAt: true as const } : {}) }) };
}

async function refundsOf(groupId: string) {
  return sql<{ id: string; amount_cents: string; idempotency_key: string }>(
    'SELECT id, amount_cents, idempotency_key FROM payment_refunds WHERE group_id = $1',
    [groupId],
  );
}

async function auditFor(subject: string) {
  return sql<{ seq: number; actor: string; action: string; details: Record<string, unknown> }>(
    'SELECT seq, actor, action, details FROM audit_log WHERE subject = $1 ORDER BY seq',
    [subject],
  );
}

async function chainVerifies() {
  const db = createDatabase({ connectionString: stackInfo().endpoints.databaseUrl, max: 1 });
  try {
    return await verifyAuditChain(db);
  } finally {
    await db.close();
  }
}

describe('dual control for refunds', () => {
  it('a refund over the threshold needs a second staff member; self-approval is refused; both steps are in the verified chain', async () => {
    const { groupId } = await capturedPayment(90_000);
    const proposer = await staffMember(['finance']);
    const proposed = (
      await gqlOk(proposer.token, PROPOSE_REFUND, {
        input: { paymentGroupId: groupId, amountCents: 60_000, reason: 'Studio double-booked, full refund' },
      })
    ).proposeRefund;
    expect(proposed).toMatchObject({
      kind: 'REFUND',
      status: 'PROPOSED',
      dualControl: true,
      proposedBy: proposer.userId,
      decidedBy: null,
      paymentGroupId: groupId,
      amountCents: 60_000,
      currency: 'usd',
    });

    // The proposer cannot approve their own proposal: a typed error, nothing decided, no refund.
    const self = await gqlAs(proposer.token, DECIDE, { input: { proposalId: proposed.id, approve: true } });
    expect(self.data).toBeNull();
    expect(self.errors?.[0]).toMatchObject({ errorType: 'SELF_APPROVAL', errorInfo: { code: 'STAFF.SELF_APPROVAL' } });

    // A second finance member without a recent step-up, and support (who may not release money), are refused.
    const stale = await staffMember(['finance'], false);
    const noStepUp = await gqlAs(stale.token, DECIDE, { input: { proposalId: proposed.id, approve: true } });
    expect(noStepUp.errors?.[0]?.errorType).toBe('STEP_UP_REQUIRED');
    const support = await staffMember(['support']);
    const forbidden = await gqlAs(support.token, DECIDE, { input: { proposalId: proposed.id, approve: true } });
    expect(forbidden.errors?.[0]?.errorType).toBe('FORBIDDEN');
    const client = await staffMember(['client']);
    expect((await gqlAs(client.token, `{ staffProposal(id: "${proposed.id}") { id } }`)).errors?.[0]?.errorType).toBe(
      'FORBIDDEN',
    );
    expect(await refundsOf(groupId)).toEqual([]);
    const pending = (await gqlOk(support.token, `{ staffProposal(id: "${proposed.id}") { status amountCents } }`))
      .staffProposal;
    expect(pending).toEqual({ status: 'PROPOSED', amountCents: 60_000 });

    const approver = await staffMember(['finance']);
    const approved = (
      await gqlOk(approver.token, DECIDE, { input: { proposalId: proposed.id, approve: true, note: 'checked' } })
    ).decideStaffProposal;
    expect(approved).toMatchObject({ status: 'APPROVED', decidedBy: approver.userId, proposedBy: proposer.userId });

    // Payments makes the refund once, keyed by the proposal.
    const refunds = await eventually(async () => {
      const rows = await refundsOf(groupId);
      return rows.length > 0 ? rows : null;
    });
    expect(refunds).toHaveLength(1);
    expect(Number(refunds[0]!.amount_cents)).toBe(60_000);
    expect(refunds[0]!.idempotency_key).toBe(`staff:${proposed.id}`);

    const audit = await auditFor(proposed.id);
    expect(audit.map((entry) => [entry.action, entry.actor])).toEqual([
      ['staff.proposal.created', proposer.userId],
      ['staff.proposal.approved', approver.userId],
    ]);
    expect(audit[1]!.details).toMatchObject({
      amountCents: 60_000,
      paymentGroupId: groupId,
      decidedBy: approver.userId,
    });
    expect(await chainVerifies()).toMatchObject({ ok: true });
  });

  it('a refund at or under the threshold by finance needs no second person (audited, refunded once)', async () => {
    const { groupId } = await capturedPayment(20_000);
    const finance = await staffMember(['finance']);
    const done = (
      await gqlOk(finance.token, PROPOSE_REFUND, {
        input: { paymentGroupId: groupId, amountCents: 5_000, reason: 'Late start goodwill' },
      })
    ).proposeRefund;
    expect(done).toMatchObject({ status: 'APPROVED', dualControl: false, decidedBy: finance.userId });
    const refunds = await eventually(async () => ((await refundsOf(groupId)).length ? refundsOf(groupId) : null));
    expect(refunds).toHaveLength(1);
    expect((await auditFor(done.id)).map((entry) => entry.action)).toEqual(['staff.proposal.created']);

    // Over what is left to refund, or on an unknown payment: typed refusals, nothing proposed.
    const tooMuch = await gqlAs(finance.token, PROPOSE_REFUND, {
      input: { paymentGroupId: groupId, amountCents: 15_001, reason: 'More than captured' },
    });
    expect(tooMuch.errors?.[0]?.errorInfo?.code).toBe('STAFF.REFUND_NOT_POSSIBLE');
    const unknown = await gqlAs(finance.token, PROPOSE_REFUND, {
      input: { paymentGroupId: 'grp_nope', amountCents: 100, reason: 'No such payment' },
    });
    expect(unknown.errors?.[0]?.errorType).toBe('NOT_FOUND');
  });

  it('support may propose but every support refund waits for finance', async () => {
    const { groupId } = await capturedPayment(10_000);
    const support = await staffMember(['support']);
    const proposed = (
      await gqlOk(support.token, PROPOSE_REFUND, {
        input: { paymentGroupId: groupId, amountCents: 1_000, reason: 'Customer asked' },
      })
    ).proposeRefund;
    expect(proposed).toMatchObject({ status: 'PROPOSED', dualControl: true });
  });

  it('race: many staff members approving at once → one decision, one event, one refund', async () => {
    const { groupId } = await capturedPayment(120_000);
    const proposer = await staffMember(['admin']);
    const proposed = (
      await gqlOk(proposer.token, PROPOSE_REFUND, {
        input: { paymentGroupId: groupId, amountCents: 100_000, reason: 'Cancelled by the studio' },
      })
    ).proposeRefund;
    const approvers = await Promise.all(Array.from({ length: 12 }, () => staffMember(['finance'])));
    const repeated = approvers[0]!;
    const calls = [
      ...approvers.map((approver) => approver.token),
      ...Array.from({ length: 12 }, () => repeated.token),
      proposer.token,
    ].map((token) => gqlAs(token, DECIDE, { input: { proposalId: proposed.id, approve: true } }));
    const answers = await Promise.all(calls);
    const wins = answers.filter((answer) => answer.data?.decideStaffProposal?.status === 'APPROVED');
    const winners = new Set(wins.map((answer) => answer.data.decideStaffProposal.decidedBy));
    expect(winners.size).toBe(1);
    const errorTypes = answers.flatMap((answer) => answer.errors?.map((error) => error.errorType) ?? []);
    expect(new Set(errorTypes).has('INTERNAL_ERROR')).toBe(false);
    expect(errorTypes.filter((type) => type === 'SELF_APPROVAL')).toHaveLength(1);
    expect(wins.length + errorTypes.length).toBe(answers.length);
    for (const type of errorTypes) expect(['CONFLICT', 'SELF_APPROVAL']).toContain(type);

    const events = await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM outbox_events WHERE type = 'staff.refund.approved' AND aggregate_id = $1",
      [proposed.id],
    );
    expect(events[0]!.n).toBe(1);
    const refunds = await eventually(async () => ((await refundsOf(groupId)).length ? refundsOf(groupId) : null));
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a late duplicate would show up here
    expect(await refundsOf(groupId)).toEqual(refunds);
    expect(refunds).toHaveLength(1);
    expect((await auditFor(proposed.id)).filter((entry) => entry.action === 'staff.proposal.approved')).toHaveLength(1);
    expect(await chainVerifies()).toMatchObject({ ok: true });
  });
});

describe('role grants and just-in-time elevation', () => {
  it('support asks for a 30-minute finance elevation; another admin approves; it lapses', async () => {
    const support = await staffMember(['support']);
    const asked = (
      await gqlOk(support.token, PROPOSE_GRANT, {
        input: { userId: support.userId, role: 'FINANCE', durationMinutes: 30, reason: 'Month-end refunds queue' },
      })
    ).proposeRoleGrant;
    expect(asked).toMatchObject({ kind: 'ROLE_GRANT', status: 'PROPOSED', dualControl: true });
    // Field-level privilege: support sees neither the grant's target nor its role.
    expect(asked).toMatchObject({ targetUserId: null, role: null });

    // A standing grant (no duration) for someone else is admin business.
    const notAdmin = await gqlAs(support.token, PROPOSE_GRANT, {
      input: { userId: newId('user'), role: 'ADMIN', reason: 'Make me admin' },
    });
    expect(notAdmin.errors?.[0]?.errorType).toBe('FORBIDDEN');

    const admin = await staffMember(['admin']);
    const approved = (await gqlOk(admin.token, DECIDE, { input: { proposalId: asked.id, approve: true } }))
      .decideStaffProposal;
    expect(approved).toMatchObject({ status: 'APPROVED', targetUserId: support.userId, role: 'FINANCE' });

    const access = (await gqlOk(support.token, ACCESS)).myStaffAccess;
    expect(access.roles).toEqual(['FINANCE', 'SUPPORT']);
    expect(access.elevations).toHaveLength(1);
    const lapse = Date.parse(access.elevations[0].expiresAt) - Date.now();
    expect(lapse).toBeGreaterThan(29 * 60_000);
    expect(lapse).toBeLessThanOrEqual(30 * 60_000);

    // While elevated, the support member may release money (a proposal by someone else).
    const { groupId } = await capturedPayment(70_000);
    const other = await staffMember(['finance']);
    const proposal = (
      await gqlOk(other.token, PROPOSE_REFUND, {
        input: { paymentGroupId: groupId, amountCents: 60_000, reason: 'Refund while elevated' },
      })
    ).proposeRefund;
    // Age the elevation past its end (the service's clock is the system's): the role is gone.
    await sql(
      "UPDATE staff_role_grants SET granted_at = granted_at - interval '31 minutes', expires_at = expires_at - interval '31 minutes' WHERE proposal_id = $1",
      [asked.id],
    );
    expect((await gqlOk(support.token, ACCESS)).myStaffAccess).toMatchObject({ roles: ['SUPPORT'], elevations: [] });
    const lapsed = await gqlAs(support.token, DECIDE, { input: { proposalId: proposal.id, approve: true } });
    expect(lapsed.errors?.[0]?.errorType).toBe('FORBIDDEN');
    const audit = await auditFor(asked.id);
    expect(audit.map((entry) => entry.action)).toEqual(['staff.proposal.created', 'staff.proposal.approved']);
  });

  it('an admin cannot approve a grant to themselves, even when someone else proposed it', async () => {
    const admin = await staffMember(['admin']);
    const other = await staffMember(['admin']);
    const proposed = (
      await gqlOk(other.token, PROPOSE_GRANT, {
        input: { userId: admin.userId, role: 'FINANCE', durationMinutes: 60, reason: 'Cover for finance' },
      })
    ).proposeRoleGrant;
    const self = await gqlAs(admin.token, DECIDE, { input: { proposalId: proposed.id, approve: true } });
    expect(self.errors?.[0]?.errorType).toBe('SELF_APPROVAL');
  });
});

describe('just-in-time elevation in every domain (one StaffAuthority, asked at each call)', () => {
  // One staff-only field per domain that checks a staff role, and what a refusal looks like there
  // (DMCA hides its queue from non-staff as NOT_FOUND). Each is harmless to call: a read, or a flag of
  // a city that does not exist (NOT_FOUND once the role check has passed).
  const fields = [
    { role: 'TRUST', domain: 'media', query: `{ moderationQueue { mediaId } }`, refused: 'FORBIDDEN' },
    { role: 'TRUST', domain: 'profiles', query: `{ verificationQueue { id } }`, refused: 'FORBIDDEN' },
    { role: 'TRUST', domain: 'dmca', query: `{ dmcaQueue(first: 1) { id } }`, refused: 'NOT_FOUND' },
    { role: 'FINANCE', domain: 'payments', query: `{ disputeQueue(first: 1) { id } }`, refused: 'FORBIDDEN' },
    {
      role: 'ADMIN',
      domain: 'platform',
      query: `mutation { setFeatureFlag(input: { city: "zz-nowhere", key: "elevation.probe", enabled: true }) { key } }`,
      refused: 'FORBIDDEN',
      allowed: 'NOT_FOUND',
    },
  ] as const;

  async function outcomes(token: string) {
    // Every field several times at once: the answer must not depend on which call runs first.
    const calls = fields.flatMap((field) => Array.from({ length: 3 }, () => field));
    const answers = await Promise.all(calls.map((field) => gqlAs(token, field.query)));
    return answers.map((answer, i) => ({
      domain: calls[i]!.domain,
      outcome: answer.errors?.[0]?.errorType ?? 'OK',
    }));
  }
  const expected = (state: 'refused' | 'allowed') =>
    fields.flatMap((field) =>
      Array.from({ length: 3 }, () => ({
        domain: field.domain,
        outcome: state === 'refused' ? field.refused : 'allowed' in field ? field.allowed : 'OK',
      })),
    );

  it('elevations granted after sign-in work without re-login; aged past their end, they are refused at once', async () => {
    // The token is minted before any elevation and used throughout: no refresh, no new sign-in.
    const member = await staffMember(['support']);
    expect(await outcomes(member.token)).toEqual(expected('refused'));

    const admin = await staffMember(['admin']);
    const proposals: string[] = [];
    for (const role of ['TRUST', 'FINANCE', 'ADMIN']) {
      const asked = (
        await gqlOk(member.token, PROPOSE_GRANT, {
          input: { userId: member.userId, role, durationMinutes: 30, reason: `Cover the ${role} queue` },
        })
      ).proposeRoleGrant;
      await gqlOk(admin.token, DECIDE, { input: { proposalId: asked.id, approve: true } });
      proposals.push(asked.id);
    }
    expect(await outcomes(member.token)).toEqual(expected('allowed'));

    // The elevations' end passes (the services run on the system clock, so the rows are aged): the
    // very next calls are refused, with the same still-valid token.
    await sql(
      `UPDATE staff_role_grants SET granted_at = granted_at - interval '31 minutes',
         expires_at = expires_at - interval '31 minutes' WHERE proposal_id = ANY($1)`,
      [proposals],
    );
    expect(await outcomes(member.token)).toEqual(expected('refused'));
  });
});
