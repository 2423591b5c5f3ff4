-- Up Migration
-- Accounts whose `user.deleted` was consumed (by profiles or media; both write it, idempotently, in
-- the transaction of their erasure). An access token outlives its account by up to 15 minutes, so
-- every create/upload/publish/draft-save path of profiles and media checks this marker in its own
-- transaction, under a shared advisory lock that the consumers take exclusively (see
-- lambdas/core/db/erased-users.ts): a write either commits before the erasure (which then erases it)
-- or sees the marker and is refused.
CREATE TABLE erased_users (
  user_id text PRIMARY KEY,
  erased_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE erased_users;
