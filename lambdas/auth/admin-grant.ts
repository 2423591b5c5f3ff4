/**
 * Operators' way to make the first admin (and later ones) without an admin session: grants the
 * `admin` role to an existing account with a verified email, with a hash-chained audit entry in the
 * same transaction. Used by `npm run admin:grant` (ops/scripts/admin-grant.ts). Through the API,
 * `setUserRoles` stays the way for an admin with a stepped-up session.
 */
import { systemClock, type Clock } from '../core/clock.ts';
import { appendAudit } from '../core/db/audit-log.ts';
import type { Role } from '../core/identity.ts';
import { normaliseEmail } from './auth-deps.ts';
import type { AuthData } from './auth.repositories.ts';

export const ADMIN_GRANT_ACTOR = 'system:admin-grant';

export type AdminGrantOutcome =
  | {
      readonly kind: 'granted';
      readonly userId: string;
      readonly before: readonly Role[];
      readonly after: readonly Role[];
      readonly auditSeq: number;
    }
  | { readonly kind: 'already-admin'; readonly userId: string; readonly roles: readonly Role[] }
  | { readonly kind: 'unknown-account' }
  | { readonly kind: 'unverified-email'; readonly userId: string };

export interface AdminGrantInput {
  readonly email: string;
  /** Why (ticket, change request); stored in the audit entry. Never an email or a secret. */
  readonly reason?: string | undefined;
  /** Who ran it (OS user, SSO name); stored in the audit entry. */
  readonly operator?: string | undefined;
}

export async function grantAdminRole(
  db: AuthData,
  input: AdminGrantInput,
  clock: Clock = systemClock,
): Promise<AdminGrantOutcome> {
  const email = normaliseEmail(input.email);
  return db.transaction(async (tx) => {
    const found = await tx.users.byEmail(email);
    if (!found) return { kind: 'unknown-account' as const };
    // Lock the row: a concurrent role change or deletion either finishes first or waits for us.
    const user = await tx.users.byId(found.id, { forUpdate: true });
    if (!user || user.status !== 'active') return { kind: 'unknown-account' as const };
    // An unverified address proves nothing about who holds it (pre-registration takeover).
    if (!user.email_verified_at) return { kind: 'unverified-email' as const, userId: user.id };
    if (user.roles.includes('admin')) return { kind: 'already-admin' as const, userId: user.id, roles: user.roles };
    const after: Role[] = [...user.roles, 'admin'];
    if (!(await tx.users.setRoles(user.id, after))) return { kind: 'unknown-account' as const };
    const now = clock.now();
    const { seq } = await appendAudit(
      tx,
      {
        actor: ADMIN_GRANT_ACTOR,
        action: 'auth.roles.changed',
        subject: user.id,
        details: {
          before: [...user.roles],
          after,
          via: 'admin-grant',
          reason: input.reason ?? null,
          operator: input.operator ?? null,
        },
      },
      now,
    );
    return { kind: 'granted' as const, userId: user.id, before: user.roles, after, auditSeq: seq };
  });
}
