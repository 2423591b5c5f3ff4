/**
 * AccountService's rules with the real service and in-memory fakes of the auth repositories, the
 * session checks, the notifier and the kernel: consents (current vs. capped history, what may be
 * withdrawn), role changes (admin with a recent second factor; shrinking privileges ends sessions),
 * and account deletion (export offered first, then erase + `user.deleted` in one transaction).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { ConflictError, ForbiddenError, NotFoundError, StepUpRequiredError, ValidationError } from '../core/errors.ts';
import type { Role, UserCaller } from '../core/identity.ts';
import { newId } from '../core/ids.ts';
import { createLogger } from '../core/log.ts';
import type { EmailMessage, Notifier } from '../core/ports.ts';
import { fake, fakeUnitOfWork, MemoryStaffGrants } from '../core/testing/fakes.ts';
import { AccountService, CONSENT_HISTORY_PAGE } from './account.service.ts';
import type { AuthDeps } from './auth-deps.ts';
import type { CodeStore } from './code.repository.ts';
import type { MfaStore } from './mfa.repository.ts';
import type { SessionStore } from './session.repository.ts';
import type { SessionService } from './session.service.ts';
import type { ConsentRow, UserRow, UserStore } from './user.repository.ts';
import { userRow } from './user-row.fixture.ts';
import { GrantStaffAuthority } from '../staff/index.ts';

const NOW = Date.UTC(2026, 0, 10);

const account = userRow;

const caller = (userId: string, roles: Role[] = ['client']): UserCaller => ({
  kind: 'user',
  userId,
  roles,
  amr: ['pwd'],
  authTime: NOW / 1000,
  sessionId: newId('session'),
  expiresAt: NOW / 1000 + 900,
});

function setup({ steppedUp = true } = {}) {
  const clock = new ManualClock(NOW);
  const grants = new MemoryStaffGrants();
  const users = new Map<string, UserRow>();
  const consents: (ConsentRow & { user_id: string })[] = [];
  const historyLimits: (number | undefined)[] = [];
  const revoked: { userId: string; reason: string }[] = [];
  const mail: EmailMessage[] = [];
  const db = fakeUnitOfWork({
    users: fake<UserStore>('users', {
      byId: async (id) => users.get(id),
      setRoles: async (id, roles) => {
        const row = users.get(id);
        if (!row) return false;
        users.set(id, { ...row, roles: [...roles] });
        return true;
      },
      erase: async (id, now) =>
        void users.set(id, { ...users.get(id)!, status: 'deleted', email: null, deleted_at: now, password_hash: null }),
      recordConsent: async (c) =>
        void consents.push({
          user_id: c.userId,
          kind: c.kind,
          version: c.version,
          granted: c.granted,
          recorded_at: c.now,
        }),
      consentHistory: async (userId, limit) => {
        historyLimits.push(limit);
        const mine = consents.filter((row) => row.user_id === userId).reverse();
        return limit ? mine.slice(0, limit) : mine;
      },
      latestConsents: async (userId) =>
        (['marketing', 'privacy', 'terms'] as const).flatMap((kind) =>
          consents.filter((row) => row.user_id === userId && row.kind === kind).slice(-1),
        ),
    }),
    sessions: fake<SessionStore>('sessions', {
      revokeAllForUser: async (userId, reason) => {
        revoked.push({ userId, reason });
        return 2;
      },
    }),
    codes: fake<CodeStore>('codes'),
    mfa: fake<MfaStore>('mfa'),
  });
  const deps = fake<AuthDeps>('auth deps', {
    db,
    clock,
    staff: new GrantStaffAuthority(grants, clock),
    logger: createLogger({ service: 'test' }),
    notifier: fake<Notifier>('notifier', { sendEmail: async (message) => void mail.push(message) }),
  });
  const sessions = fake<SessionService>('session service', {
    requireSession: async (c) => ({ user: c as UserCaller, session: {} as never }),
    requireStepUp: async (c) => {
      if (!steppedUp) throw new StepUpRequiredError('Confirm with a second factor first (stepUp)', {});
      return { user: c as UserCaller, session: {} as never };
    },
  });
  return {
    clock,
    grants,
    users,
    consents,
    historyLimits,
    revoked,
    mail,
    db,
    service: new AccountService(deps, sessions),
  };
}

const meta = { ip: '203.0.113.9', userAgent: 'test' };

describe('AccountService consents', () => {
  it('answers the latest record of each kind as current, beside the capped history', async () => {
    const { service, users, clock, historyLimits } = setup();
    const pat = account();
    users.set(pat.id, pat);
    await service.recordConsent(caller(pat.id), { kind: 'terms', version: '2026-01-01', granted: true }, meta);
    await service.recordConsent(caller(pat.id), { kind: 'marketing', version: '2026-01-01', granted: true }, meta);
    clock.advance(1000);
    await service.recordConsent(caller(pat.id), { kind: 'marketing', version: '2026-01-01', granted: false }, meta);
    const { current, history } = await service.consents(caller(pat.id));
    expect(current.map((c) => [c.kind, c.granted])).toEqual([
      ['terms', true],
      ['marketing', false],
    ]);
    expect(history).toHaveLength(3);
    expect(historyLimits).toEqual([CONSENT_HISTORY_PAGE]);
  });

  it('lets marketing be withdrawn but not terms or privacy (that is account deletion), and audits each record', async () => {
    const { service, users, consents, db } = setup();
    const pat = account();
    users.set(pat.id, pat);
    for (const kind of ['terms', 'privacy'] as const)
      await expect(
        service.recordConsent(caller(pat.id), { kind, version: '2026-01-01', granted: false }, meta),
      ).rejects.toBeInstanceOf(ValidationError);
    expect(consents).toEqual([]);
    await service.recordConsent(caller(pat.id), { kind: 'marketing', version: '2026-01-01', granted: false }, meta);
    expect(db.kernel.auditActions()).toEqual(['privacy.consent.recorded']);
  });
});

describe('AccountService.setRoles', () => {
  it('is for admins with a recent second factor only', async () => {
    const pat = account();
    const plain = setup();
    plain.users.set(pat.id, pat);
    await expect(plain.service.setRoles(caller(pat.id), pat.id, ['admin'])).rejects.toBeInstanceOf(ForbiddenError);
    const stale = setup({ steppedUp: false });
    stale.users.set(pat.id, pat);
    await expect(stale.service.setRoles(caller(newId('user'), ['admin']), pat.id, ['provider'])).rejects.toBeInstanceOf(
      StepUpRequiredError,
    );
    expect(plain.users.get(pat.id)!.roles).toEqual(['client']);
    expect(stale.users.get(pat.id)!.roles).toEqual(['client']);
  });

  it('refuses an admin elevation: standing roles need a standing admin (no self-made permanent admin)', async () => {
    const { service, users, grants, db } = setup();
    const elevatedRow = account();
    users.set(elevatedRow.id, elevatedRow);
    const elevated = caller(elevatedRow.id, ['client']);
    const pat = account();
    users.set(pat.id, pat);
    grants.grant(elevated.userId, 'admin', new Date(NOW + 30 * 60_000));
    await expect(service.setRoles(elevated, elevated.userId, ['client', 'admin'])).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(service.setRoles(elevated, pat.id, ['client', 'provider'])).rejects.toBeInstanceOf(ForbiddenError);
    expect(users.get(elevatedRow.id)!.roles).toEqual(['client']);
    expect(users.get(pat.id)!.roles).toEqual(['client']);
    expect(db.kernel.auditActions()).toEqual([]);
  });

  it('refuses an admin token whose admin role is gone from the account, and self-targeted staff changes', async () => {
    const { service, users } = setup();
    const adminRow = { ...account(), roles: ['client', 'admin'] as Role[] };
    users.set(adminRow.id, adminRow);
    const admin = caller(adminRow.id, ['client', 'admin']);
    await expect(service.setRoles(admin, admin.userId, ['client', 'admin', 'finance'])).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    // Account roles on oneself are fine.
    expect(await service.setRoles(admin, admin.userId, ['client', 'admin', 'provider'])).toEqual([
      'client',
      'admin',
      'provider',
    ]);
    const pat = account();
    users.set(pat.id, pat);
    users.set(adminRow.id, { ...adminRow, roles: ['client'] });
    await expect(service.setRoles(admin, pat.id, ['client', 'provider'])).rejects.toBeInstanceOf(ForbiddenError);
    expect(users.get(pat.id)!.roles).toEqual(['client']);
  });

  it('adds roles without ending sessions, ends them when privileges shrink, and audits both', async () => {
    const { service, users, revoked, db } = setup();
    const adminRow = { ...account(), roles: ['admin'] as Role[] };
    users.set(adminRow.id, adminRow);
    const admin = caller(adminRow.id, ['admin']);
    const pat = account();
    users.set(pat.id, pat);
    expect(await service.setRoles(admin, pat.id, ['client', 'provider', 'provider'])).toEqual(['client', 'provider']);
    expect(revoked).toEqual([]);
    await service.setRoles(admin, pat.id, ['provider']);
    expect(revoked).toEqual([{ userId: pat.id, reason: 'roles_reduced' }]);
    expect(db.kernel.auditActions()).toEqual(['auth.roles.changed', 'auth.roles.changed']);
    await expect(service.setRoles(admin, newId('user'), ['client'])).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('AccountService.deleteAccount', () => {
  it('asks for the export first, unless it was fetched within a day or declined', async () => {
    const { service, users, db } = setup();
    const pat = account();
    users.set(pat.id, pat);
    await expect(
      service.deleteAccount(caller(pat.id), { confirm: 'DELETE', declineExport: false }),
    ).rejects.toMatchObject({
      code: 'PRIVACY.EXPORT_NOT_OFFERED',
    });
    users.set(pat.id, { ...pat, last_export_at: new Date(NOW - 25 * 3600_000) });
    await expect(
      service.deleteAccount(caller(pat.id), { confirm: 'DELETE', declineExport: false }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(users.get(pat.id)!.status).toBe('active');
    expect(db.kernel.eventTypes()).toEqual([]);
  });

  it('erases the account, audits and announces user.deleted in one transaction, then mails the old address', async () => {
    const { service, users, db, mail } = setup();
    const pat = account({ last_export_at: new Date(NOW - 3600_000) });
    users.set(pat.id, pat);
    expect(await service.deleteAccount(caller(pat.id), { confirm: 'DELETE', declineExport: false })).toBe(true);
    expect(users.get(pat.id)).toMatchObject({ status: 'deleted', email: null });
    expect(db.transactions).toBe(1);
    expect(db.kernel.auditActions()).toEqual(['privacy.account.deleted']);
    expect(db.kernel.events).toEqual([
      expect.objectContaining({
        type: 'user.deleted',
        payload: { userId: pat.id, deletedAt: new Date(NOW).toISOString() },
      }),
    ]);
    expect(mail.map((message) => [message.template, message.to])).toEqual([
      ['auth.account_deleted', 'pat@example.com'],
    ]);
    // A second request finds no active account.
    await expect(
      service.deleteAccount(caller(pat.id), { confirm: 'DELETE', declineExport: true }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
