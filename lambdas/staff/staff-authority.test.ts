/**
 * The staff authority every domain's staff check asks (core/staff-authority.ts): the token's standing
 * staff roles plus the grants in force at the injected clock's now, looked up at every call, so an
 * elevation granted after sign-in works at once and a lapsed or revoked one stops at once.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { ForbiddenError, UnauthenticatedError } from '../core/errors.ts';
import type { Role, UserCaller } from '../core/identity.ts';
import { hasStaffRole, requireStaffRole } from '../core/staff-authority.ts';
import { fake, MemoryStaffGrants } from '../core/testing/fakes.ts';
import { GrantStaffAuthority, type GrantsInForce } from './staff-authority.ts';

const NOW = Date.UTC(2026, 11, 1, 9);
const caller = (roles: Role[] = ['client'], userId = 'usr_ann'): UserCaller => ({
  kind: 'user',
  userId,
  roles,
  amr: ['pwd'],
  authTime: NOW / 1000,
  sessionId: 'ses_1',
  expiresAt: NOW / 1000 + 900,
});

function setup() {
  const clock = new ManualClock(NOW);
  const grants = new MemoryStaffGrants();
  return { clock, grants, authority: new GrantStaffAuthority(grants, clock) };
}

describe('GrantStaffAuthority', () => {
  it("counts the token's standing staff roles, not its account roles", async () => {
    const { authority } = setup();
    expect([...(await authority.rolesOf(caller(['client', 'provider', 'finance'])))]).toEqual(['finance']);
  });

  it('honours an elevation granted after the token was issued, on the very next call', async () => {
    const { authority, grants, clock } = setup();
    const token = caller(['client']);
    expect(await hasStaffRole(authority, token, 'trust')).toBe(false);
    grants.grant(token.userId, 'trust', new Date(NOW + 30 * 60_000));
    expect(await hasStaffRole(authority, token, 'admin', 'trust')).toBe(true);
    await expect(requireStaffRole(authority, token, 'trust')).resolves.toBe(token);
    // Someone else's elevation is not the caller's.
    expect(await hasStaffRole(authority, caller(['client'], 'usr_bob'), 'trust')).toBe(false);
    clock.advance(29 * 60_000);
    expect(await hasStaffRole(authority, token, 'trust')).toBe(true);
  });

  it('refuses an elevation from the instant it expires, and a revoked one at once', async () => {
    const { authority, grants, clock } = setup();
    const token = caller(['client']);
    grants.grant(token.userId, 'trust', new Date(NOW + 60_000));
    grants.grant(token.userId, 'finance');
    clock.advance(60_000 - 1);
    expect(await hasStaffRole(authority, token, 'trust')).toBe(true);
    clock.advance(1);
    await expect(requireStaffRole(authority, token, 'trust')).rejects.toBeInstanceOf(ForbiddenError);
    expect(await hasStaffRole(authority, token, 'finance')).toBe(true);
    grants.revoke(token.userId, 'finance');
    await expect(requireStaffRole(authority, token, 'finance')).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('asks the grants with the time of each call (no answer kept between calls)', async () => {
    const seen: Date[] = [];
    const clock = new ManualClock(NOW);
    const authority = new GrantStaffAuthority(
      {
        rolesInForce: async (_userId, at) => {
          seen.push(at);
          return [];
        },
      } satisfies GrantsInForce,
      clock,
    );
    await authority.rolesOf(caller());
    clock.advance(1000);
    await authority.rolesOf(caller());
    expect(seen.map((at) => at.getTime())).toEqual([NOW, NOW + 1000]);
  });

  it('anonymous and API-key callers hold no staff role and cost no lookup', async () => {
    const authority = new GrantStaffAuthority(fake<GrantsInForce>('grants'), new ManualClock(NOW));
    expect(await hasStaffRole(authority, { kind: 'apiKey' }, 'admin')).toBe(false);
    expect(await hasStaffRole(authority, { kind: 'anonymous' }, 'admin')).toBe(false);
    await expect(requireStaffRole(authority, { kind: 'anonymous' }, 'admin')).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
  });
});
