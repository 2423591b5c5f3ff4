-- Up Migration
-- Service profiles (one per account and role), studios, media with moderation, verification and
-- notification preferences (NTB-PROF-001…008, NTB-STUDIO-001…004). Owners are `usr_…` text ids:
-- the accounts table lives in the auth domain, so there is deliberately no foreign key to it.

CREATE TABLE service_profiles (
  id                   text PRIMARY KEY CHECK (id LIKE 'prf\_%'),
  owner_user_id        text NOT NULL CHECK (owner_user_id LIKE 'usr\_%'),
  role                 text NOT NULL CHECK (role IN ('MODEL', 'PHOTOGRAPHER', 'VIDEOGRAPHER', 'CONTENT_CREATOR')),
  slug                 citext NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{2,62}$'),
  status               text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'PUBLISHED', 'UNPUBLISHED')),
  display_name         text,
  headline             text,
  bio                  text,
  tags                 text[] NOT NULL DEFAULT '{}',
  city_code            text REFERENCES cities (code),
  price_min_cents      integer CHECK (price_min_cents >= 0),
  price_max_cents      integer CHECK (price_max_cents >= 0),
  currency             char(3) NOT NULL DEFAULT 'USD',
  languages            text[] NOT NULL DEFAULT '{}',
  links                jsonb NOT NULL DEFAULT '[]'::jsonb,
  packages             jsonb NOT NULL DEFAULT '[]'::jsonb,
  cancellation_policy  text,
  reschedule_policy    text,
  availability         jsonb,
  -- PII: owner-only; never in a public projection.
  contact_email        text,
  contact_phone        text,
  instant_book         boolean NOT NULL DEFAULT false,
  completed_steps      text[] NOT NULL DEFAULT '{}',
  version              integer NOT NULL DEFAULT 1,
  published_at         timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (owner_user_id, role),
  CHECK (price_min_cents IS NULL OR price_max_cents IS NULL OR price_min_cents <= price_max_cents)
);
CREATE INDEX service_profiles_owner_idx ON service_profiles (owner_user_id);
CREATE INDEX service_profiles_published_city_idx ON service_profiles (city_code) WHERE status = 'PUBLISHED';

CREATE TABLE studios (
  id                 text PRIMARY KEY CHECK (id LIKE 'std\_%'),
  owner_user_id      text NOT NULL CHECK (owner_user_id LIKE 'usr\_%'),
  slug               citext NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{2,62}$'),
  status             text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'PUBLISHED', 'UNPUBLISHED')),
  name               text,
  description        text,
  city_code          text REFERENCES cities (code),
  -- Exact address: owner (and, later, confirmed bookers) only. Public pages show the city.
  address_line1      text,
  address_line2      text,
  postal_code        text,
  contact_email      text,
  contact_phone      text,
  amenities          text[] NOT NULL DEFAULT '{}',
  hourly_min_cents   integer CHECK (hourly_min_cents >= 0),
  hourly_max_cents   integer CHECK (hourly_max_cents >= 0),
  deposit_cents      integer CHECK (deposit_cents >= 0),
  currency           char(3) NOT NULL DEFAULT 'USD',
  availability       jsonb,
  instant_book       boolean NOT NULL DEFAULT false,
  completed_steps    text[] NOT NULL DEFAULT '{}',
  version            integer NOT NULL DEFAULT 1,
  published_at       timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (hourly_min_cents IS NULL OR hourly_max_cents IS NULL OR hourly_min_cents <= hourly_max_cents)
);
CREATE INDEX studios_owner_idx ON studios (owner_user_id);

-- Identity verification (subject usr_…) and studio verification (subject std_…). The latest row
-- per subject is the status; older rows are history.
CREATE TABLE verifications (
  id                 text PRIMARY KEY CHECK (id LIKE 'vrf\_%'),
  subject_type       text NOT NULL CHECK (subject_type IN ('IDENTITY', 'STUDIO')),
  subject_id         text NOT NULL,
  owner_user_id      text NOT NULL,
  status             text NOT NULL CHECK (status IN ('PENDING', 'VERIFIED', 'REJECTED')),
  document_media_id  text,
  reason             text,
  decided_by         text,
  decided_at         timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verifications_subject_idx ON verifications (subject_type, subject_id, created_at DESC);
CREATE INDEX verifications_pending_idx ON verifications (created_at) WHERE status = 'PENDING';

CREATE TABLE media (
  id                     text PRIMARY KEY CHECK (id LIKE 'med\_%'),
  owner_user_id          text NOT NULL CHECK (owner_user_id LIKE 'usr\_%'),
  owner_type             text NOT NULL CHECK (owner_type IN ('PROFILE', 'STUDIO', 'VERIFICATION')),
  owner_id               text NOT NULL,
  status                 text NOT NULL CHECK (status IN ('AWAITING_UPLOAD', 'PROCESSING', 'READY', 'FLAGGED', 'REJECTED', 'FAILED')),
  declared_content_type  text NOT NULL,
  declared_size_bytes    integer NOT NULL,
  detected_content_type  text,
  size_bytes             integer,
  incoming_key           text NOT NULL,
  original_key           text,
  crop                   jsonb,
  alt_text               text,
  width                  integer,
  height                 integer,
  -- 0 = safe, 1 = suggestive, 2 = explicit; null until classified. Public needs 0 and READY.
  nsfw_band              smallint CHECK (nsfw_band BETWEEN 0 AND 2),
  moderation_labels      jsonb,
  variants               jsonb NOT NULL DEFAULT '[]'::jsonb,
  sort_order             integer NOT NULL DEFAULT 0,
  is_cover               boolean NOT NULL DEFAULT false,
  upload_expires_at      timestamptz NOT NULL,
  processed_at           timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_owner_idx ON media (owner_type, owner_id, sort_order);
CREATE INDEX media_uploads_in_flight_idx ON media (owner_user_id) WHERE status = 'AWAITING_UPLOAD';
-- At most one cover per owner.
CREATE UNIQUE INDEX media_one_cover_idx ON media (owner_type, owner_id) WHERE is_cover;

-- Flagged media waiting for an admin decision.
CREATE TABLE moderation_cases (
  media_id      text PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE,
  nsfw_band     smallint NOT NULL,
  labels        jsonb NOT NULL DEFAULT '[]'::jsonb,
  status        text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
  decided_by    text,
  reason        text,
  decided_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_cases_pending_idx ON moderation_cases (created_at) WHERE status = 'PENDING';

CREATE TABLE notification_preferences (
  user_id             text PRIMARY KEY CHECK (user_id LIKE 'usr\_%'),
  nudges_enabled      boolean NOT NULL DEFAULT true,
  digest_enabled      boolean NOT NULL DEFAULT true,
  quiet_start_hour    smallint NOT NULL DEFAULT 21 CHECK (quiet_start_hour BETWEEN 0 AND 23),
  quiet_end_hour      smallint NOT NULL DEFAULT 8 CHECK (quiet_end_hour BETWEEN 0 AND 23),
  unsubscribe_token   text NOT NULL UNIQUE,
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- What was sent, for frequency caps.
CREATE TABLE notification_log (
  user_id   text NOT NULL,
  kind      text NOT NULL CHECK (kind IN ('NUDGE', 'DIGEST')),
  sent_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_log_user_idx ON notification_log (user_id, kind, sent_at DESC);

-- Down Migration
DROP TABLE notification_log;
DROP TABLE notification_preferences;
DROP TABLE moderation_cases;
DROP TABLE media;
DROP TABLE verifications;
DROP TABLE studios;
DROP TABLE service_profiles;
