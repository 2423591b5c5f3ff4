-- Up Migration
-- Refresh-token reuse grace (NTB-AUTH-008): two tabs refreshing at once present the same token;
-- the loser of the race is answered with the winner's successor instead of tripping reuse
-- detection. For that the session remembers the token it just rotated away from (as its HMAC)
-- and the successor itself, encrypted (AES-256-GCM bound to the session id), because only the
-- plaintext can be handed out again.
ALTER TABLE auth_sessions
  ADD COLUMN previous_token_hash text,
  ADD COLUMN current_token_enc   bytea;
CREATE INDEX auth_sessions_previous_token_idx ON auth_sessions (previous_token_hash) WHERE previous_token_hash IS NOT NULL;

-- Down Migration
DROP INDEX auth_sessions_previous_token_idx;
ALTER TABLE auth_sessions DROP COLUMN current_token_enc, DROP COLUMN previous_token_hash;
