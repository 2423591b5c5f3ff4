/**
 * The staff domain's implementation of the kernel's StaffAuthority port (core/staff-authority.ts):
 * the caller's standing staff roles (the token's, see the port for why they count) plus the grants in
 * staff_role_grants that are in force at the injected clock's now. No cache on purpose: an elevation
 * must start and stop counting at once, and the lookup is one indexed read
 * (staff_role_grants_user_idx) on staff-only paths. Other domains' Lambdas read the table through
 * column grants (migration 3180) on exactly what this query needs.
 */
import type { Clock } from '../core/clock.ts';
import { parseRows, type Queryable } from '../core/db/database.ts';
import type { UserCaller } from '../core/identity.ts';
import { isStaffRole, STAFF_ROLES, type StaffAuthority, type StaffRole } from '../core/staff-authority.ts';
import * as z from 'zod';

/** The grants a staff authority reads: the roles granted to a user that are in force at `at`. */
export interface GrantsInForce {
  rolesInForce(userId: string, at: Date): Promise<readonly StaffRole[]>;
}

export class GrantStaffAuthority implements StaffAuthority {
  constructor(
    private readonly grants: GrantsInForce,
    private readonly clock: Clock,
  ) {}

  async rolesOf(caller: UserCaller): Promise<ReadonlySet<StaffRole>> {
    const granted = await this.grants.rolesInForce(caller.userId, this.clock.now());
    return new Set<StaffRole>([...caller.roles.filter(isStaffRole), ...granted]);
  }
}

const roleRow = z.object({ role: z.enum(STAFF_ROLES) });

export class PostgresGrantsInForce implements GrantsInForce {
  constructor(private readonly db: Queryable) {}

  async rolesInForce(userId: string, at: Date): Promise<StaffRole[]> {
    const result = await this.db.query(
      `SELECT DISTINCT role FROM staff_role_grants
        WHERE user_id = $1 AND granted_at <= $2 AND (expires_at IS NULL OR expires_at > $2)`,
      [userId, at],
    );
    return parseRows(roleRow, result.rows).map((row) => row.role);
  }
}

/** What a composition root injects: the authority over the domain Lambda's own database connection. */
export function staffAuthority(db: Queryable, clock: Clock): StaffAuthority {
  return new GrantStaffAuthority(new PostgresGrantsInForce(db), clock);
}
