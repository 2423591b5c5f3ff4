/**
 * Rotating RS256 signing keys. The newest key that is not retired signs; every key not yet
 * unpublished is in the JWKS, so tokens signed just before a rotation keep verifying. A key is
 * created on demand (under an advisory lock, so concurrent cold starts create one, not several).
 * RS256 because AppSync's OPENID_CONNECT mode verifies RSA signatures.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../core/db/database.ts';

const KEY_LOCK = 7_201_002;
const ALG = 'RS256';

type PrivateKey = Awaited<ReturnType<typeof importJWK>>;

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: PrivateKey;
}

export interface PublishedKey extends JWK {
  kid: string;
}

function encrypt(kek: Buffer, plaintext: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function decrypt(kek: Buffer, sealed: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', kek, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
}

export class SigningKeyStore {
  private active: { key: SigningKey; retireAt: number } | undefined;
  private readonly kek: Buffer;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    kekBase64: string,
    private readonly rotationDays: number,
    /** How long a retired key stays published: longer than any token it signed lives. */
    private readonly publishGraceSeconds: number,
  ) {
    this.kek = Buffer.from(kekBase64, 'base64');
  }

  async signingKey(): Promise<SigningKey> {
    const now = this.clock.nowMs();
    if (this.active && this.active.retireAt > now) return this.active.key;
    const row = await this.currentRow();
    const found = row ?? (await this.createKey());
    const privateJwk = JSON.parse(decrypt(this.kek, found.private_jwk_enc)) as JWK;
    const privateKey = await importJWK(privateJwk, ALG);
    this.active = { key: { kid: found.kid, privateKey }, retireAt: found.retire_at.getTime() };
    return this.active.key;
  }

  async publishedKeys(): Promise<PublishedKey[]> {
    const result = await this.db.query<{ public_jwk: PublishedKey }>(
      'SELECT public_jwk FROM auth_signing_keys WHERE unpublish_at > $1 ORDER BY created_at DESC',
      [this.clock.now()],
    );
    if (result.rows.length === 0) {
      await this.signingKey();
      return this.publishedKeys();
    }
    return result.rows.map((row) => row.public_jwk);
  }

  /**
   * Kids of still-published stored keys that this store's key-encryption key cannot decrypt: the
   * database and the key-encryption key come from different installations (locally: the state
   * folder's secrets were recreated while the cluster survived). Checked once at start, so a wrong
   * key stops the start with a clear message instead of failing every sign-in.
   */
  async undecryptableKeys(): Promise<string[]> {
    const result = await this.db.query<{ kid: string; private_jwk_enc: Buffer }>(
      'SELECT kid, private_jwk_enc FROM auth_signing_keys WHERE unpublish_at > $1 ORDER BY created_at',
      [this.clock.now()],
    );
    return result.rows
      .filter((row) => {
        try {
          decrypt(this.kek, row.private_jwk_enc);
          return false;
        } catch {
          return true;
        }
      })
      .map((row) => row.kid);
  }

  private async currentRow() {
    const result = await this.db.query<{ kid: string; private_jwk_enc: Buffer; retire_at: Date }>(
      'SELECT kid, private_jwk_enc, retire_at FROM auth_signing_keys WHERE retire_at > $1 ORDER BY created_at DESC LIMIT 1',
      [this.clock.now()],
    );
    return result.rows[0];
  }

  private async createKey() {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [KEY_LOCK]);
      const again = await tx.query<{ kid: string; private_jwk_enc: Buffer; retire_at: Date }>(
        'SELECT kid, private_jwk_enc, retire_at FROM auth_signing_keys WHERE retire_at > $1 ORDER BY created_at DESC LIMIT 1',
        [this.clock.now()],
      );
      if (again.rows[0]) return again.rows[0];
      const { publicKey, privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
      const kid = `key-${this.clock.now().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
      const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
      const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG };
      const retireAt = new Date(this.clock.nowMs() + this.rotationDays * 86_400_000);
      const unpublishAt = new Date(retireAt.getTime() + this.publishGraceSeconds * 1000);
      const sealed = encrypt(this.kek, JSON.stringify(privateJwk));
      await tx.query(
        'INSERT INTO auth_signing_keys (kid, alg, public_jwk, private_jwk_enc, retire_at, unpublish_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [kid, ALG, JSON.stringify(publicJwk), sealed, retireAt, unpublishAt],
      );
      return { kid, private_jwk_enc: sealed, retire_at: retireAt };
    });
  }
}
