/**
 * Staff authority (NTB-ADMIN-001): the one check every staff-only operation asks, whatever its domain.
 *
 * Why a port and not `requireRole`: the access token's `roles` claim is a snapshot taken at sign-in or
 * refresh. Just-in-time elevations are granted (and lapse) in the staff domain after that, so a check
 * on the claim alone would refuse an elevation granted a minute ago and honour an expired one until
 * the token expired. The staff domain implements this port over its grants, read at the time of the
 * call with the injected clock; each composition root injects it, and the kernel stays domain-free.
 *
 * What a role in the token still means (decided here, for every implementation): the token's staff
 * roles are the *standing* roles auth holds for the account (`users.roles`, set by `admin:grant` or an
 * admin's `setRoles`). They count, because auth revokes every session of an account whose roles shrink,
 * so a removed standing role lapses at the next refresh and at the latest when the access token
 * expires (its TTL, 15 minutes). Everything granted by the staff domain — elevations with an expiry and
 * standing grants approved under dual control — is never in a token and is read per call, so it starts
 * and stops counting at once.
 */
import { ForbiddenError } from './errors.ts';
import { requireUser, type Caller, type Role, type UserCaller } from './identity.ts';

export const STAFF_ROLES = ['support', 'trust', 'finance', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaffRole(role: Role): role is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(role);
}

export interface StaffAuthority {
  /** The caller's staff roles in force now: standing roles (token) and the staff grants unexpired now. */
  rolesOf(caller: UserCaller): Promise<ReadonlySet<StaffRole>>;
}

/** Whether the caller holds any of `roles` now (false for anonymous and API-key callers, without a lookup). */
export async function hasStaffRole(
  authority: StaffAuthority,
  caller: Caller,
  ...roles: readonly StaffRole[]
): Promise<boolean> {
  if (caller.kind !== 'user') return false;
  const held = await authority.rolesOf(caller);
  return roles.some((role) => held.has(role));
}

/** The signed-in caller if they hold any of `roles` now; `Forbidden` (or `Unauthenticated`) otherwise. */
export async function requireStaffRole(
  authority: StaffAuthority,
  caller: Caller,
  ...roles: readonly StaffRole[]
): Promise<UserCaller> {
  const user = requireUser(caller);
  if (!(await hasStaffRole(authority, user, ...roles))) throw new ForbiddenError('Not allowed');
  return user;
}
