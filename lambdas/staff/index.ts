/**
 * The staff domain's public module. Nothing outside lambdas/staff needs its internals: the effects
 * of approved proposals leave as catalog events (`staff.refund.approved`), and role grants are read
 * here. `staffAuthority` is the implementation of the kernel's StaffAuthority port that every
 * domain's composition root injects into its staff checks (standing roles + elevations in force now).
 * Exported for operator scripts and tests: the roles policy.
 */
export { STAFF_ROLES, type StaffRole } from './staff-policy.ts';
export { staffExportSection } from './staff-export.query.ts';
export { GrantStaffAuthority, staffAuthority, type GrantsInForce } from './staff-authority.ts';
