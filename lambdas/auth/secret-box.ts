/**
 * Small crypto helpers for the auth domain, keyed from AUTH_KEY_ENCRYPTION_KEY by HKDF so each use
 * has its own key: HMAC for codes and tokens (a database leak does not reveal a usable code or
 * refresh token), AES-256-GCM for TOTP seeds (they must be read back to verify codes).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  randomInt,
  timingSafeEqual,
} from 'node:crypto';

/**
 * The 32-byte key-encryption key from the seed Secrets Manager generates in AWS stages
 * (AUTH_KEY_ENCRYPTION_SEED, 64 alphanumeric characters ≈ 381 bits): HKDF-SHA256 with
 *   IKM  = the seed's UTF-8 bytes,
 *   salt = "rastup/auth/kek" (UTF-8),
 *   info = "AUTH_KEY_ENCRYPTION_KEY v1" (UTF-8),
 *   L    = 32 bytes,
 * returned as base64, the same form AUTH_KEY_ENCRYPTION_KEY takes locally. The parameters are part
 * of the data format: changing any of them is a key rotation (ops/runbooks/auth-key-encryption-key.md).
 */
export function deriveKeyEncryptionKey(seed: string): string {
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(seed, 'utf8'),
      Buffer.from('rastup/auth/kek', 'utf8'),
      Buffer.from('AUTH_KEY_ENCRYPTION_KEY v1', 'utf8'),
      32,
    ),
  ).toString('base64');
}

export class SecretBox {
  private readonly macKey: Buffer;
  private readonly encKey: Buffer;

  constructor(kekBase64: string) {
    const ikm = Buffer.from(kekBase64, 'base64');
    this.macKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'rastup-auth-mac', 32));
    this.encKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'rastup-auth-totp', 32));
  }

  /** Deterministic keyed hash, so rows are found by it; `scope` separates purposes. */
  mac(scope: string, value: string): string {
    return createHmac('sha256', this.macKey).update(scope).update('\0').update(value).digest('base64url');
  }

  macEquals(a: string, b: string): boolean {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
  }

  /**
   * AES-256-GCM. `context` is authenticated but not stored (GCM additional data): a ciphertext
   * sealed for one row (e.g. `refresh:<session id>`) does not decrypt when copied to another.
   */
  encrypt(plaintext: string, context?: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    if (context !== undefined) cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(sealed: Buffer, context?: string): string {
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, sealed.subarray(0, 12));
    if (context !== undefined) decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** A numeric code for humans to type (email/SMS); brute force is bounded by attempts + rate limits. */
export function numericCode(digits = 6): string {
  return String(randomInt(0, 10 ** digits)).padStart(digits, '0');
}

/** An opaque bearer secret (refresh tokens, links): 256 bits. */
export function opaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Recovery codes: 10 base32 characters in two groups (50 bits), easy to read aloud. */
export function recoveryCode(): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[randomInt(0, alphabet.length)];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

export function normaliseRecoveryCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}
