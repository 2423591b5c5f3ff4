/**
 * Issuing and checking one-time codes (email/SMS digits) and bearer secrets (links, challenges,
 * nonces). Codes are single use, short-lived, superseded by a newer one, and die after
 * MAX_ATTEMPTS wrong guesses; rate limits bound guessing across codes.
 */
import type { AuthTx } from './auth.repositories.ts';
import { newId } from '../core/ids.ts';
import type { AuthDeps } from './auth-deps.ts';
import { type CodePurpose, type CodeRow } from './code.repository.ts';
import { InvalidCodeError } from './auth.errors.ts';
import { numericCode, opaqueToken } from './secret-box.ts';

export const MAX_ATTEMPTS = 5;

export const CODE_TTL_SECONDS: Record<CodePurpose, number> = {
  verify_email: 15 * 60,
  reset_password: 15 * 60,
  change_email: 15 * 60,
  unlock: 24 * 3600,
  verify_phone: 10 * 60,
  step_up: 10 * 60,
  mfa_challenge: 5 * 60,
  oauth_nonce: 10 * 60,
};

export class OneTimeCodes {
  constructor(private readonly deps: AuthDeps) {}

  private hash(purpose: CodePurpose, subject: string, code: string): string {
    return this.deps.box.mac(`code:${purpose}:${subject}`, code);
  }

  /** A numeric code for a user; earlier live codes of the purpose stop working. */
  async issueCode(tx: AuthTx, purpose: CodePurpose, userId: string, target: string | null): Promise<string> {
    const now = this.deps.clock.now();
    await tx.codes.supersede(purpose, userId, now);
    const code = numericCode(6);
    await tx.codes.insert({
      id: newId('request').replace('req_', 'otc_'),
      purpose,
      userId,
      target,
      codeHash: this.hash(purpose, userId, code),
      expiresAt: new Date(now.getTime() + CODE_TTL_SECONDS[purpose] * 1000),
      now,
    });
    return code;
  }

  /**
   * Checks and consumes the newest live code. A wrong guess is counted and `undefined` returned
   * (not thrown), so the caller commits the count before refusing.
   */
  async consumeCode(tx: AuthTx, purpose: CodePurpose, userId: string, code: string): Promise<CodeRow | undefined> {
    const now = this.deps.clock.now();
    const row = await tx.codes.latestLive(purpose, userId, now);
    if (!row || row.attempts >= MAX_ATTEMPTS) return undefined;
    if (!this.deps.box.macEquals(row.code_hash, this.hash(purpose, userId, code.trim()))) {
      await tx.codes.countAttempt(row.id);
      return undefined;
    }
    if (!(await tx.codes.consume(row.id, now))) return undefined;
    return row;
  }

  /**
   * Checks the newest live code without consuming it; a wrong guess is counted. For flows that must
   * validate other input after the code (a refused new password must not burn a valid code).
   */
  async checkCode(tx: AuthTx, purpose: CodePurpose, userId: string, code: string): Promise<CodeRow | undefined> {
    const row = await tx.codes.latestLive(purpose, userId, this.deps.clock.now());
    // The HMAC is computed whether or not a code exists, so "no such code" costs the same.
    const given = this.hash(purpose, userId, code.trim());
    if (!row || row.attempts >= MAX_ATTEMPTS) return undefined;
    if (!this.deps.box.macEquals(row.code_hash, given)) {
      await tx.codes.countAttempt(row.id);
      return undefined;
    }
    return row;
  }

  /** Counts a wrong guess against the newest live code (the other half of a two-part proof failed). Always undefined. */
  async countWrongGuess(tx: AuthTx, purpose: CodePurpose, userId: string): Promise<undefined> {
    const row = await tx.codes.latestLive(purpose, userId, this.deps.clock.now());
    if (row) await tx.codes.countAttempt(row.id);
    return undefined;
  }

  /** An opaque bearer secret (unlock link, MFA challenge, OAuth nonce), found by its HMAC. */
  async issueSecret(tx: AuthTx, purpose: CodePurpose, userId: string | null, target: string | null): Promise<string> {
    const now = this.deps.clock.now();
    const secret = opaqueToken();
    await tx.codes.insert({
      id: newId('request').replace('req_', 'otc_'),
      purpose,
      userId,
      target,
      codeHash: this.hash(purpose, '*', secret),
      expiresAt: new Date(now.getTime() + CODE_TTL_SECONDS[purpose] * 1000),
      now,
    });
    return secret;
  }

  async consumeSecret(tx: AuthTx, purpose: CodePurpose, secret: string): Promise<CodeRow> {
    const now = this.deps.clock.now();
    const row = await tx.codes.byHash(purpose, this.hash(purpose, '*', secret));
    if (!row || row.consumed_at || row.expires_at <= now) throw new InvalidCodeError();
    if (!(await tx.codes.consume(row.id, now))) throw new InvalidCodeError();
    return row;
  }

  /** Reads a live bearer secret without consuming it (an MFA challenge survives a wrong code). */
  async peekSecret(tx: AuthTx, purpose: CodePurpose, secret: string): Promise<CodeRow> {
    const now = this.deps.clock.now();
    const row = await tx.codes.byHash(purpose, this.hash(purpose, '*', secret));
    if (!row || row.consumed_at || row.expires_at <= now || row.attempts >= MAX_ATTEMPTS) throw new InvalidCodeError();
    return row;
  }

  async countAttempt(tx: AuthTx, row: CodeRow): Promise<void> {
    await tx.codes.countAttempt(row.id);
  }

  async consumeRow(tx: AuthTx, row: CodeRow): Promise<void> {
    if (!(await tx.codes.consume(row.id, this.deps.clock.now()))) throw new InvalidCodeError();
  }
}
