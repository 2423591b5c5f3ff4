-- Up Migration
-- Booking calendars (issue #11, NTB-CAL-003/004): read-only import of external calendars by URL as
-- busy blocks, and a secret, revocable ICS export of a listing's bookings.
--
-- Imported busy blocks are not legs: they are what an external calendar says the resource is doing,
-- refreshed on a schedule, and the feasibility engine and the booking conflict check read them
-- beside the legs' blocked ranges (BookingRepository.blockedRanges). They are not part of the
-- exclusion constraint: a feed can change at any time, a confirmed booking cannot be undone by it.

-- One external calendar URL of one listing (a service profile or a studio). `status` and `last_error`
-- are what the owner sees: a bad feed (HTTP error, timeout, garbage, oversized, refused address) is
-- recorded here and never stops the refresh of the others.
CREATE TABLE booking_calendar_feeds (
  id                text PRIMARY KEY CHECK (id LIKE 'icf\_%'),
  resource_id       text NOT NULL CHECK (resource_id LIKE 'prf\_%' OR resource_id LIKE 'std\_%'),
  owner_user_id     text NOT NULL CHECK (owner_user_id LIKE 'usr\_%'),
  url               text NOT NULL CHECK (length(url) <= 2048),
  status            text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'OK', 'ERROR')),
  last_error        text CHECK (length(last_error) <= 500),
  busy_count        integer NOT NULL DEFAULT 0 CHECK (busy_count >= 0),
  last_fetched_at   timestamptz,
  last_success_at   timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (resource_id, url)
);
CREATE INDEX booking_calendar_feeds_due_idx ON booking_calendar_feeds (last_fetched_at NULLS FIRST);

-- The busy instants of a feed, expanded (RRULE, EXDATE, overrides, cancellations) within the
-- feasibility horizon; replaced as a whole at every successful refresh of the feed.
CREATE TABLE booking_busy_blocks (
  feed_id      text NOT NULL REFERENCES booking_calendar_feeds (id) ON DELETE CASCADE,
  resource_id  text NOT NULL,
  during       tstzrange NOT NULL CHECK (NOT isempty(during)),
  PRIMARY KEY (feed_id, during)
);
CREATE INDEX booking_busy_blocks_resource_idx ON booking_busy_blocks USING gist (resource_id, during);

-- The secret export URL of a listing: only the SHA-256 of the token is stored (the token is shown
-- once); rotating revokes the previous one, so at most one is live per listing.
CREATE TABLE booking_calendar_exports (
  token_hash     text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  resource_id    text NOT NULL CHECK (resource_id LIKE 'prf\_%' OR resource_id LIKE 'std\_%'),
  owner_user_id  text NOT NULL CHECK (owner_user_id LIKE 'usr\_%'),
  created_at     timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz
);
CREATE UNIQUE INDEX booking_calendar_exports_live_idx ON booking_calendar_exports (resource_id) WHERE revoked_at IS NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON booking_calendar_feeds, booking_busy_blocks TO rastup_booking;
GRANT SELECT, INSERT, UPDATE ON booking_calendar_exports TO rastup_booking;

-- Down Migration
REVOKE ALL ON booking_calendar_feeds, booking_busy_blocks, booking_calendar_exports FROM rastup_booking;
DROP TABLE booking_calendar_exports;
DROP TABLE booking_busy_blocks;
DROP TABLE booking_calendar_feeds;
