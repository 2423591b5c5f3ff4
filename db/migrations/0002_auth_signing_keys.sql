-- Up Migration
-- Asymmetric keys that sign access tokens. Public halves are published at /.well-known/jwks.json;
-- private halves are stored encrypted (AES-256-GCM under the auth key-encryption key).
CREATE TABLE auth_signing_keys (
  kid              text PRIMARY KEY,
  alg              text NOT NULL CHECK (alg IN ('RS256')),
  public_jwk       jsonb NOT NULL,
  private_jwk_enc  bytea NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  -- After this, the key no longer signs; it stays published until tokens it signed have expired.
  retire_at        timestamptz NOT NULL,
  -- After this, the key is no longer published.
  unpublish_at     timestamptz NOT NULL,
  CHECK (unpublish_at > retire_at)
);
CREATE INDEX auth_signing_keys_publish_idx ON auth_signing_keys (unpublish_at);

-- Down Migration
DROP TABLE auth_signing_keys;
