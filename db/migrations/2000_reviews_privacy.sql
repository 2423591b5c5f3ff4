-- Up Migration
-- Reviews (issue #16, NTB-PROF-006) and account-deletion coverage of booking and payments (NTB-SEC-003).
--
-- A completed booking leg opens a review window (booking.completed, consumed by reviews): the client
-- may review the leg's listing and the listing's owner may review the client, each once, until
-- `closes_at` (14 days). Double-blind: a review is visible to the other party and the public only when
-- both reviews exist (`published_at`, set in the transaction of the second review under the window's
-- row lock) or the window has closed (reads compare `closes_at` with the injected clock; the
-- `reviews-publish` job stamps `published_at` and emits review.published for those).
CREATE TABLE review_windows (
  leg_id          text PRIMARY KEY CHECK (leg_id LIKE 'bkl\_%'),
  group_id        text NOT NULL CHECK (group_id LIKE 'bkg\_%'),
  -- NULL once the party's account is deleted (reviews-user-deleted).
  client_user_id  text CHECK (client_user_id LIKE 'usr\_%'),
  owner_user_id   text CHECK (owner_user_id LIKE 'usr\_%'),
  listing_type    text NOT NULL CHECK (listing_type IN ('PROFILE', 'STUDIO')),
  listing_id      text NOT NULL,
  completed_at    timestamptz NOT NULL,
  closes_at       timestamptz NOT NULL CHECK (closes_at > completed_at)
);
CREATE INDEX review_windows_client_idx ON review_windows (client_user_id);
CREATE INDEX review_windows_owner_idx ON review_windows (owner_user_id);

CREATE TABLE reviews (
  id               text PRIMARY KEY CHECK (id LIKE 'rev\_%'),
  leg_id           text NOT NULL REFERENCES review_windows (leg_id),
  direction        text NOT NULL CHECK (direction IN ('CLIENT_TO_LISTING', 'OWNER_TO_CLIENT')),
  -- NULL once the author's / the reviewed client's account is deleted; the rating stays (pseudonymous).
  author_user_id   text CHECK (author_user_id LIKE 'usr\_%'),
  subject_user_id  text CHECK (subject_user_id LIKE 'usr\_%'),
  listing_type     text NOT NULL CHECK (listing_type IN ('PROFILE', 'STUDIO')),
  listing_id       text NOT NULL,
  rating           smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  body             text NOT NULL CHECK (char_length(body) <= 2000),
  author_erased    boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL,
  published_at     timestamptz,
  UNIQUE (leg_id, direction)
);
CREATE INDEX reviews_listing_idx ON reviews (listing_type, listing_id, created_at DESC) WHERE direction = 'CLIENT_TO_LISTING';
CREATE INDEX reviews_author_idx ON reviews (author_user_id);
CREATE INDEX reviews_subject_idx ON reviews (subject_user_id);
CREATE INDEX reviews_unpublished_idx ON reviews (leg_id) WHERE published_at IS NULL;

CREATE TABLE review_reports (
  id                text PRIMARY KEY CHECK (id LIKE 'rvr\_%'),
  review_id         text NOT NULL REFERENCES reviews (id),
  reporter_user_id  text CHECK (reporter_user_id LIKE 'usr\_%'),
  reason            text NOT NULL CHECK (reason IN ('CONTACT_DETAILS', 'OFFENSIVE', 'FAKE', 'CONFLICT_OF_INTEREST', 'OTHER')),
  note              text NOT NULL DEFAULT '' CHECK (char_length(note) <= 1000),
  created_at        timestamptz NOT NULL,
  UNIQUE (review_id, reporter_user_id)
);
CREATE INDEX review_reports_reporter_idx ON review_reports (reporter_user_id);

-- ---- role ------------------------------------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_reviews') THEN
    BEGIN
      CREATE ROLE rastup_reviews LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- created concurrently by a migration of another database in the same cluster
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO rastup_reviews;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO rastup_reviews', current_database());
  GRANT USAGE ON SCHEMA public TO rastup_reviews;
END
$$;

GRANT SELECT, INSERT, UPDATE ON review_windows, reviews, review_reports TO rastup_reviews;
GRANT INSERT ON outbox_events TO rastup_reviews;
GRANT INSERT ON audit_log TO rastup_reviews;
GRANT SELECT (seq, hash) ON audit_log TO rastup_reviews;
GRANT INSERT ON consumer_inbox TO rastup_reviews;
-- The erasure marker: a deleted account's still-valid token cannot review after its erasure.
GRANT SELECT, INSERT ON erased_users TO rastup_reviews;

-- ---- account deletion in booking and payments (their own user.deleted consumers) ---------------------
-- Booking keeps its records (the law requires them) with the account's ids replaced by a pseudonym;
-- a deleted owner's availability goes.
GRANT INSERT ON consumer_inbox TO rastup_booking;
GRANT SELECT, INSERT ON erased_users TO rastup_booking;
GRANT DELETE ON booking_settings TO rastup_booking;
-- Payments keeps its ledger and Stripe references with the account's ids replaced by a pseudonym.
GRANT INSERT ON consumer_inbox TO rastup_payments;

-- Down Migration
REVOKE INSERT ON consumer_inbox FROM rastup_payments;
REVOKE DELETE ON booking_settings FROM rastup_booking;
REVOKE SELECT, INSERT ON erased_users FROM rastup_booking;
REVOKE INSERT ON consumer_inbox FROM rastup_booking;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_reviews') THEN
    EXECUTE 'DROP OWNED BY rastup_reviews';
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM rastup_reviews', current_database());
  END IF;
END
$$;
DROP TABLE review_reports;
DROP TABLE reviews;
DROP TABLE review_windows;
