/**
 * Who on staff may do what (NTB-ADMIN-001, least privilege). Roles come from two places: the
 * access token's `roles` claim (granted in auth; `npm run admin:grant` makes the first admin) and
 * the staff domain's own grants, approved under dual control, which may expire (just-in-time
 * elevation). Every check here is against the union of both, at the time of the request, through
 * the StaffAuthority (staff-authority.ts) that every other domain's staff check asks too.
 */
import { STAFF_ROLES, isStaffRole, type StaffRole } from '../core/staff-authority.ts';

// The role names are the kernel's (every domain's staff check asks core's StaffAuthority port).
export { STAFF_ROLES, isStaffRole, type StaffRole };

export type StaffAction =
  'proposals.read' | 'refund.propose' | 'refund.approve' | 'roleGrant.propose' | 'roleGrant.approve';

/** Action -> the roles that may take it. Anything not listed is refused. */
const ACTIONS: Readonly<Record<StaffAction, readonly StaffRole[]>> = {
  'proposals.read': ['support', 'trust', 'finance', 'admin'],
  // Support answers the customer and may ask for a refund; only finance (or admin) releases money.
  'refund.propose': ['support', 'finance', 'admin'],
  'refund.approve': ['finance', 'admin'],
  // Privilege changes are admin business on both sides.
  'roleGrant.propose': ['admin'],
  'roleGrant.approve': ['admin'],
};

export function may(roles: ReadonlySet<StaffRole>, action: StaffAction): boolean {
  return ACTIONS[action].some((role) => roles.has(role));
}

/**
 * Field-level least privilege on a proposal: money details are for whoever may act on refunds,
 * a role grant's target for admins. A field the viewer may not see is returned as null.
 */
export const PROPOSAL_FIELD_ROLES = {
  paymentGroupId: ['support', 'finance', 'admin'],
  amountCents: ['support', 'finance', 'admin'],
  targetUserId: ['admin'],
  role: ['admin'],
  reason: ['support', 'trust', 'finance', 'admin'],
  decisionNote: ['finance', 'admin'],
} as const satisfies Record<string, readonly StaffRole[]>;

export type GuardedProposalField = keyof typeof PROPOSAL_FIELD_ROLES;

export function maySee(roles: ReadonlySet<StaffRole>, field: GuardedProposalField): boolean {
  return PROPOSAL_FIELD_ROLES[field].some((role) => roles.has(role));
}

/** Longest just-in-time elevation (minutes): it must lapse within a working shift. */
export const MAX_ELEVATION_MINUTES = 8 * 60;
