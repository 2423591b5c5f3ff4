/**
 * The account: sign-up with email verification, profile-level settings (email, password, phone),
 * roles, consent records, the data export and account deletion (erase / pseudonymise).
 */
import { appendAudit } from '../core/db/audit-log.ts';
import { enqueueEvent } from '../core/db/outbox.ts';
import { buildEvent } from '../core/events/catalog.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Caller, Role } from '../core/identity.ts';
import { isStaffRole, requireStaffRole } from '../core/staff-authority.ts';
import {
  CURRENT_PRIVACY_VERSION,
  CURRENT_TERMS_VERSION,
  limit,
  normaliseEmail,
  sendAll,
  type AuthDeps,
  type RequestMeta,
} from './auth-deps.ts';
import { authRateLimits } from './auth-rate-limits.ts';
import { InvalidCodeError, InvalidCredentialsError } from './auth.errors.ts';
import { emailTemplates, smsTemplates } from './email-templates.ts';
import { OneTimeCodes } from './one-time-codes.ts';
import { normalisePassword } from './password-policy.ts';
import type { SessionService } from './session.service.ts';
import { type ConsentKind, type ConsentRow, type UserRow } from './user.repository.ts';

export interface SignUpInput {
  readonly email: string;
  readonly password: string;
  readonly displayName?: string | undefined;
  readonly role: 'client' | 'provider' | 'host';
  readonly consents: { readonly terms: string; readonly privacy: string; readonly marketing: boolean };
}

export interface AccountView {
  id: string;
  email: string | null;
  emailVerified: boolean;
  displayName: string | null;
  roles: Role[];
  mfaEnabled: boolean;
  phone: string | null;
  phoneVerified: boolean;
  linkedProviders: string[];
  createdAt: string;
}

/** A page-size cap kept server-side (AppSync has no cost limit): `myConsents.history` lists the newest 100. */
export const CONSENT_HISTORY_PAGE = 100;

export interface ConsentView {
  kind: ConsentKind;
  version: string;
  granted: boolean;
  recordedAt: string;
}

/** Whitelisting mapper: a new column never reaches the API by accident. Phone is masked. */
export function toAccountView(user: UserRow, providers: readonly string[]): AccountView {
  return {
    id: user.id,
    email: user.email,
    emailVerified: Boolean(user.email_verified_at),
    displayName: user.display_name,
    roles: [...user.roles],
    mfaEnabled: user.mfa_enabled,
    phone: user.phone ? `${'•'.repeat(Math.max(0, user.phone.length - 4))}${user.phone.slice(-4)}` : null,
    phoneVerified: Boolean(user.phone_verified_at),
    linkedProviders: [...providers],
    createdAt: user.created_at.toISOString(),
  };
}

function toConsentView(row: ConsentRow): ConsentView {
  return { kind: row.kind, version: row.version, granted: row.granted, recordedAt: row.recorded_at.toISOString() };
}

/** Export counts as "offered" for a day: deletion after that asks again. */
const EXPORT_OFFER_VALID_MS = 24 * 3600_000;

export class AccountService {
  private readonly codes: OneTimeCodes;

  constructor(
    private readonly deps: AuthDeps,
    private readonly sessions: SessionService,
  ) {
    this.codes = new OneTimeCodes(deps);
  }

  /**
   * Creates the account and mails a verification code. Answers the same whether or not the email
   * is taken (the owner of a taken email gets a "someone tried to sign up" email instead).
   *
   * Pre-registration takeover: an address nobody has verified proves nothing about who signed up
   * first, so a new sign-up for it *replaces* the earlier one (password, roles, name, consents) and
   * discards its sessions and outstanding codes. Verification then binds to the password as well
   * (verifyEmail): whoever verifies must know the password of the registration being verified, so
   * the mailbox owner can never verify a password an attacker set, whichever sign-up came last.
   */
  async signUp(input: SignUpInput, meta: RequestMeta): Promise<void> {
    const email = normaliseEmail(input.email);
    await limit(this.deps, meta, {
      ip: authRateLimits.signUpPerIp,
      identity: authRateLimits.signUpPerEmail,
      identityKey: this.deps.box.mac('signup', email),
    });
    if (input.consents.terms !== CURRENT_TERMS_VERSION || input.consents.privacy !== CURRENT_PRIVACY_VERSION) {
      throw new ValidationError('Accept the current terms and privacy policy', [
        {
          path: 'consents',
          message: `terms ${CURRENT_TERMS_VERSION} and privacy ${CURRENT_PRIVACY_VERSION} must be accepted`,
        },
      ]);
    }
    await this.deps.policy.assertAcceptable(input.password, [email, input.displayName ?? '']);
    const passwordHash = await this.deps.hasher.hash(normalisePassword(input.password));
    const message = await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const recordConsents = async (userId: string) => {
        const base = { userId, ip: meta.ip ?? null, userAgent: meta.userAgent ?? null, now };
        await tx.users.recordConsent({
          ...base,
          kind: 'terms',
          version: input.consents.terms,
          granted: true,
        });
        await tx.users.recordConsent({
          ...base,
          kind: 'privacy',
          version: input.consents.privacy,
          granted: true,
        });
        await tx.users.recordConsent({
          ...base,
          kind: 'marketing',
          version: input.consents.privacy,
          granted: input.consents.marketing,
        });
      };
      const userId = newId('user');
      const inserted = await tx.users.insert({
        id: userId,
        email,
        passwordHash,
        roles: [input.role],
        emailVerifiedAt: null,
        displayName: input.displayName ?? null,
        now,
      });
      if (!inserted) {
        const existing = await tx.users.byEmail(email);
        if (existing && !existing.email_verified_at && !existing.mfa_enabled) {
          const locked = await tx.users.byId(existing.id, { forUpdate: true });
          const replaced =
            locked &&
            (await tx.users.replaceUnverifiedRegistration(existing.id, {
              passwordHash,
              roles: [input.role],
              displayName: input.displayName ?? null,
              now,
            }));
          if (replaced) {
            await tx.users.deleteConsents(existing.id);
            await recordConsents(existing.id);
            const revoked = await tx.sessions.revokeAllForUser(existing.id, 'registration_replaced', now);
            await tx.codes.deleteAllForUser(existing.id);
            await appendAudit(
              tx,
              {
                actor: existing.id,
                action: 'auth.signup.replaced_unverified',
                subject: existing.id,
                details: { role: input.role, revokedSessions: revoked, ip: meta.ip ?? null },
              },
              now,
            );
            return emailTemplates.verifyEmail(email, await this.codes.issueCode(tx, 'verify_email', existing.id, null));
          }
        }
        return emailTemplates.signUpExisting(email, `${this.deps.settings.publicBaseUrl}/reset-password`);
      }
      await recordConsents(userId);
      await appendAudit(
        tx,
        {
          actor: userId,
          action: 'auth.signup',
          subject: userId,
          details: { method: 'password', role: input.role, ip: meta.ip ?? null },
        },
        now,
      );
      await enqueueEvent(tx, buildEvent('user.registered', { userId, method: 'password', role: input.role }));
      return emailTemplates.verifyEmail(email, await this.codes.issueCode(tx, 'verify_email', userId, null));
    });
    await sendAll(this.deps, [message]);
  }

  /**
   * Verifies the address with the emailed code *and* the registration's password, so the person
   * who proves the mailbox also proves they chose the password the account will use. Unknown
   * email, wrong code and wrong password answer alike (INVALID_CODE) after the same hashing work;
   * a wrong password counts as a wrong guess on the code.
   */
  async verifyEmail(input: { email: string; code: string; password: string }, meta: RequestMeta): Promise<void> {
    const email = normaliseEmail(input.email);
    await limit(this.deps, meta, {
      ip: authRateLimits.codeCheckPerIp,
      identity: authRateLimits.codeCheckPerIdentity,
      identityKey: this.deps.box.mac('verify', email),
    });
    const user = await this.deps.db.users.byEmail(email);
    const password = normalisePassword(input.password);
    if (!user?.password_hash) {
      await this.deps.hasher.burn(password);
      throw new InvalidCodeError();
    }
    const passwordOk = await this.deps.hasher.verify(user.password_hash, password);
    const ok = await this.deps.db.transaction(async (tx) => {
      const row = passwordOk
        ? await this.codes.consumeCode(tx, 'verify_email', user.id, input.code)
        : await this.codes.countWrongGuess(tx, 'verify_email', user.id);
      if (!row) return false;
      const now = this.deps.clock.now();
      await tx.users.markEmailVerified(user.id, now);
      await appendAudit(tx, { actor: user.id, action: 'auth.email.verified', subject: user.id, details: {} }, now);
      return true;
    });
    if (!ok) throw new InvalidCodeError();
  }

  async resendVerification(rawEmail: string, meta: RequestMeta): Promise<void> {
    const email = normaliseEmail(rawEmail);
    await limit(this.deps, meta, {
      ip: authRateLimits.signUpPerIp,
      identity: authRateLimits.codeSendPerIdentity,
      identityKey: this.deps.box.mac('verify-send', email),
    });
    const user = await this.deps.db.users.byEmail(email);
    if (!user || user.email_verified_at) return;
    const code = await this.deps.db.transaction((tx) => this.codes.issueCode(tx, 'verify_email', user.id, null));
    await sendAll(this.deps, [emailTemplates.verifyEmail(email, code)]);
  }

  async me(caller: Caller): Promise<AccountView> {
    const { user } = await this.sessions.requireSession(caller);
    const row = await this.deps.db.users.byId(user.userId);
    if (!row || row.status !== 'active') throw new NotFoundError('Account not found');
    const identities = await this.deps.db.users.identities(user.userId);
    return toAccountView(
      row,
      identities.map((identity) => identity.provider),
    );
  }

  // Consents --------------------------------------------------------------------------------

  async consents(caller: Caller): Promise<{ current: ConsentView[]; history: ConsentView[] }> {
    const { user } = await this.sessions.requireSession(caller);
    // `current` needs the latest record of each kind, which the newest rows always contain only if the
    // kinds' latest rows are within them; read the latest per kind separately from the capped history.
    const [history, latest] = await Promise.all([
      this.deps.db.users.consentHistory(user.userId, CONSENT_HISTORY_PAGE),
      this.deps.db.users.latestConsents(user.userId),
    ]);
    const current = (['terms', 'privacy', 'marketing'] as const).flatMap((kind) =>
      latest.filter((row) => row.kind === kind).map(toConsentView),
    );
    return { current, history: history.map(toConsentView) };
  }

  async recordConsent(
    caller: Caller,
    input: { kind: ConsentKind; version: string; granted: boolean },
    meta: RequestMeta,
  ): Promise<ConsentView> {
    const { user } = await this.sessions.requireSession(caller);
    if (input.kind !== 'marketing' && !input.granted)
      throw new ValidationError('Terms and privacy consent can be withdrawn only by deleting the account');
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      await tx.users.recordConsent({
        userId: user.userId,
        kind: input.kind,
        version: input.version,
        granted: input.granted,
        ip: meta.ip ?? null,
        userAgent: meta.userAgent ?? null,
        now,
      });
      await appendAudit(
        tx,
        {
          actor: user.userId,
          action: 'privacy.consent.recorded',
          subject: user.userId,
          details: { kind: input.kind, version: input.version, granted: input.granted },
        },
        now,
      );
    });
    return { kind: input.kind, version: input.version, granted: input.granted, recordedAt: now.toISOString() };
  }

  // Step-up protected changes ---------------------------------------------------------------

  async changePassword(
    caller: Caller,
    input: { currentPassword?: string | undefined; newPassword: string },
  ): Promise<boolean> {
    const { user: me, session } = await this.sessions.requireStepUp(caller);
    const user = await this.deps.db.users.byId(me.userId);
    if (!user || user.status !== 'active') throw new NotFoundError('Account not found');
    // Accounts with a password must know it (ASVS 6.2.3); social-only accounts may set one.
    if (
      user.password_hash &&
      !(
        input.currentPassword &&
        (await this.deps.hasher.verify(user.password_hash, normalisePassword(input.currentPassword)))
      )
    ) {
      throw new InvalidCredentialsError();
    }
    await this.deps.policy.assertAcceptable(input.newPassword, [user.email ?? '', user.display_name ?? '']);
    const hash = await this.deps.hasher.hash(normalisePassword(input.newPassword));
    await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      await tx.users.setPassword(user.id, hash, now);
      const revoked = await tx.sessions.revokeAllForUser(user.id, 'password_changed', now, session.id);
      await appendAudit(
        tx,
        { actor: user.id, action: 'auth.password.changed', subject: user.id, details: { revokedSessions: revoked } },
        now,
      );
    });
    if (user.email) await sendAll(this.deps, [emailTemplates.passwordChanged(user.email)]);
    return true;
  }

  /** Step 1 of an email change: a code to the new address (proves it); the change applies on confirm. */
  async changeEmail(caller: Caller, rawEmail: string, meta: RequestMeta): Promise<boolean> {
    const { user: me } = await this.sessions.requireStepUp(caller);
    await limit(this.deps, meta, { identity: authRateLimits.codeSendPerIdentity, identityKey: me.userId });
    const email = normaliseEmail(rawEmail);
    const code = await this.deps.db.transaction((tx) => this.codes.issueCode(tx, 'change_email', me.userId, email));
    // A taken address gets a code too (no enumeration); the confirm step then fails as a conflict.
    await sendAll(this.deps, [emailTemplates.changeEmail(email, code)]);
    return true;
  }

  async confirmEmailChange(caller: Caller, code: string, meta: RequestMeta): Promise<AccountView> {
    const { user: me } = await this.sessions.requireStepUp(caller);
    await limit(this.deps, meta, {
      ip: authRateLimits.codeCheckPerIp,
      identity: authRateLimits.codeCheckPerIdentity,
      identityKey: me.userId,
    });
    const outcome = await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const before = await tx.users.byId(me.userId, { forUpdate: true });
      const row = await this.codes.consumeCode(tx, 'change_email', me.userId, code);
      if (!row?.target || !before) return { kind: 'invalid' as const };
      if (!(await tx.users.setEmail(me.userId, row.target, now)))
        throw new ConflictError('That email cannot be used', 'AUTH.EMAIL_UNAVAILABLE');
      await appendAudit(tx, { actor: me.userId, action: 'auth.email.changed', subject: me.userId, details: {} }, now);
      await enqueueEvent(tx, buildEvent('user.email_changed', { userId: me.userId }));
      return { kind: 'ok' as const, oldEmail: before.email };
    });
    if (outcome.kind === 'invalid') throw new InvalidCodeError();
    if (outcome.oldEmail) await sendAll(this.deps, [emailTemplates.emailChanged(outcome.oldEmail)]);
    return this.me(caller);
  }

  // Phone (SMS) ------------------------------------------------------------------------------

  /**
   * Adding or replacing the phone needs a step-up, like every other credential change: otherwise a
   * stolen session could add the thief's phone and step up by SMS to it. The step-up is necessarily
   * by a factor the account already had (email code, TOTP, recovery code, or SMS to a phone verified
   * over a day ago, see MfaService.methodsFor), never by the number being added. Both steps check it.
   */
  async startPhoneVerification(caller: Caller, phone: string, meta: RequestMeta): Promise<boolean> {
    const { user: me } = await this.sessions.requireStepUp(caller);
    await limit(this.deps, meta, {
      ip: authRateLimits.signUpPerIp,
      identity: authRateLimits.codeSendPerIdentity,
      identityKey: me.userId,
    });
    const code = await this.deps.db.transaction((tx) => this.codes.issueCode(tx, 'verify_phone', me.userId, phone));
    await sendAll(this.deps, [{ ...smsTemplates.verifyPhone(phone, code), sms: true as const }]);
    return true;
  }

  /** Verifies and stores the phone; the owner is emailed, so a phone they did not add is noticed. */
  async confirmPhone(caller: Caller, code: string, meta: RequestMeta): Promise<AccountView> {
    const { user: me, session } = await this.sessions.requireStepUp(caller);
    await limit(this.deps, meta, {
      ip: authRateLimits.codeCheckPerIp,
      identity: authRateLimits.codeCheckPerIdentity,
      identityKey: me.userId,
    });
    const outcome = await this.deps.db.transaction(async (tx) => {
      const before = await tx.users.byId(me.userId, { forUpdate: true });
      const row = await this.codes.consumeCode(tx, 'verify_phone', me.userId, code);
      if (!row?.target || !before) return undefined;
      const now = this.deps.clock.now();
      const replaced = Boolean(before.phone_verified_at);
      await tx.users.setPhone(me.userId, row.target, now);
      await appendAudit(
        tx,
        {
          actor: me.userId,
          action: 'auth.phone.verified',
          subject: me.userId,
          details: { replaced, sessionId: session.id },
        },
        now,
      );
      return { email: before.email, phone: row.target, replaced };
    });
    if (!outcome) throw new InvalidCodeError();
    if (outcome.email)
      await sendAll(this.deps, [emailTemplates.phoneAdded(outcome.email, outcome.phone.slice(-4), outcome.replaced)]);
    return this.me(caller);
  }

  // Roles -------------------------------------------------------------------------------------

  /**
   * Standing role changes are for a *standing* admin (admin in the token and still in users.roles):
   * a just-in-time admin elevation must not mint permanent roles, or a 30-minute elevation could make
   * itself permanent and skip the staff domain's dual control for role grants. For the same reason
   * nobody changes their own staff roles here.
   */
  async setRoles(caller: Caller, userId: string, roles: readonly Role[]): Promise<Role[]> {
    const admin = await requireStaffRole(this.deps.staff, caller, 'admin');
    if (!admin.roles.includes('admin'))
      throw new ForbiddenError('Changing standing roles needs a standing admin, not an elevation');
    await this.sessions.requireStepUp(caller);
    const unique = [...new Set(roles)];
    await this.deps.db.transaction(async (tx) => {
      // The token is a snapshot: the admin role must still be held now.
      const actor = await tx.users.byId(admin.userId);
      if (!actor || actor.status !== 'active' || !actor.roles.includes('admin'))
        throw new ForbiddenError('Changing standing roles needs a standing admin, not an elevation');
      const before = await tx.users.byId(userId, { forUpdate: true });
      if (!before || before.status !== 'active') throw new NotFoundError('Account not found');
      const staffChanged = [...before.roles, ...unique].some(
        (role) => isStaffRole(role) && before.roles.includes(role) !== unique.includes(role),
      );
      if (userId === admin.userId && staffChanged)
        throw new ForbiddenError('Your own staff roles are changed by another admin');
      if (!(await tx.users.setRoles(userId, unique))) throw new NotFoundError('Account not found');
      const now = this.deps.clock.now();
      // Role changes take effect at the next refresh; revoke sessions when privileges shrink.
      if (before.roles.some((role) => !unique.includes(role)))
        await tx.sessions.revokeAllForUser(userId, 'roles_reduced', now);
      await appendAudit(
        tx,
        {
          actor: admin.userId,
          action: 'auth.roles.changed',
          subject: userId,
          details: { before: before.roles, after: unique },
        },
        now,
      );
    });
    return unique;
  }

  // Privacy: export and deletion ------------------------------------------------------------------

  /**
   * Deletes the account: contact data and credentials are erased, the id stays as a pseudonym
   * (bookings, payments and the audit chain keep referring to it), and `user.deleted` tells
   * every other domain to erase or pseudonymise its part. The export must have been offered
   * first: fetched within the last day, or explicitly declined.
   */
  async deleteAccount(caller: Caller, input: { confirm: 'DELETE'; declineExport: boolean }): Promise<boolean> {
    const { user: me } = await this.sessions.requireStepUp(caller);
    const user = await this.deps.db.users.byId(me.userId);
    if (!user || user.status !== 'active') throw new NotFoundError('Account not found');
    const exportedRecently =
      user.last_export_at && this.deps.clock.nowMs() - user.last_export_at.getTime() < EXPORT_OFFER_VALID_MS;
    if (!exportedRecently && !input.declineExport) {
      throw new ConflictError(
        'Download your data first (Mutation.requestDataExport, then Query.dataExport), or confirm that you decline it',
        'PRIVACY.EXPORT_NOT_OFFERED',
        { exportMutation: 'requestDataExport' },
      );
    }
    await this.deps.db.transaction(async (tx) => {
      const now = this.deps.clock.now();
      await tx.users.erase(me.userId, now);
      await appendAudit(
        tx,
        {
          actor: me.userId,
          action: 'privacy.account.deleted',
          subject: me.userId,
          details: { exportedFirst: Boolean(exportedRecently) },
        },
        now,
      );
      await enqueueEvent(tx, buildEvent('user.deleted', { userId: me.userId, deletedAt: now.toISOString() }));
    });
    if (user.email) await sendAll(this.deps, [emailTemplates.accountDeleted(user.email)]);
    return true;
  }
}
