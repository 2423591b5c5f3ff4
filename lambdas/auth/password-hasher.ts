/**
 * argon2id password hashing (OWASP: m=19 MiB, t=2, p=1). The hash string carries its own
 * parameters, so raising them later only needs `needsRehash` on the next successful login.
 */
import { hash, verify } from '@node-rs/argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
  needsRehash(hashed: string): boolean;
  /** Verifies against a fixed dummy hash: same work for unknown accounts (no enumeration by timing). */
  burn(password: string): Promise<void>;
}

// Algorithm.Argon2id is a const enum in the typings; isolatedModules forbids reading it, so the value (2) is spelled out.
const ARGON2ID = 2;
export const ARGON2_PARAMS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class Argon2PasswordHasher implements PasswordHasher {
  private dummy: Promise<string> | undefined;

  async hash(password: string): Promise<string> {
    return hash(password, ARGON2_PARAMS);
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    try {
      return await verify(hashed, password);
    } catch {
      return false;
    }
  }

  needsRehash(hashed: string): boolean {
    return !hashed.startsWith(
      `$argon2id$v=19$m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}$`,
    );
  }

  async burn(password: string): Promise<void> {
    this.dummy ??= hash('not-a-real-password-only-for-timing', ARGON2_PARAMS);
    await this.verify(await this.dummy, password);
  }
}
