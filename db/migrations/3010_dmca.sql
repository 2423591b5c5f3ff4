-- Up Migration
-- DMCA notices and cases (issue #16, NTB-HELP-002; 17 U.S.C. §512(c) and (g)); the workflow is
-- lambdas/dmca/dmca.service.ts.
--
-- A notice is kept whole (`notice`: the §512(c)(3) elements as received, the complainant's contact
-- included): it is the record the safe harbour rests on and how the complainant is told of a counter
-- notice. The complainant is not an account, so no user column holds them. `dedupe_key` makes a
-- repeated notice (same complainant, material and work) one row, whatever the concurrency.
CREATE TABLE dmca_notices (
  id                text PRIMARY KEY CHECK (id LIKE 'dmn\_%'),
  dedupe_key        text NOT NULL UNIQUE CHECK (dedupe_key ~ '^[0-9a-f]{64}$'),
  received_at       timestamptz NOT NULL,
  notice            jsonb NOT NULL CHECK (jsonb_typeof(notice) = 'object'),
  rejected_targets  jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(rejected_targets) = 'array')
);

-- One case per taken-down target. At most one open case per target (the partial unique index): of
-- concurrent notices about one photo exactly one opens the case and takes it down, the others join it.
CREATE TABLE dmca_cases (
  id                  text PRIMARY KEY CHECK (id LIKE 'dmc\_%'),
  target_kind         text NOT NULL CHECK (target_kind IN ('MEDIA', 'PROFILE', 'STUDIO')),
  target_id           text NOT NULL,
  -- The uploader (owner of the material), the only account that may counter-notify.
  owner_user_id       text NOT NULL CHECK (owner_user_id LIKE 'usr\_%'),
  status              text NOT NULL CHECK (status IN ('TAKEN_DOWN', 'COUNTER_NOTICED', 'SUIT_FILED', 'RESTORED')),
  notice_ids          text[] NOT NULL CHECK (cardinality(notice_ids) >= 1),
  taken_down_at       timestamptz NOT NULL,
  counter_noticed_at  timestamptz,
  -- The §512(g)(3) counter notice as filed (name, address, statements, signature).
  counter_notice      jsonb CHECK (jsonb_typeof(counter_notice) = 'object'),
  restore_from        timestamptz,
  restore_by          timestamptz,
  closed_at           timestamptz,
  CHECK ((status = 'TAKEN_DOWN') = (counter_noticed_at IS NULL)),
  CHECK ((counter_noticed_at IS NULL) = (counter_notice IS NULL)),
  CHECK ((counter_noticed_at IS NULL) = (restore_from IS NULL AND restore_by IS NULL)),
  CHECK (restore_by IS NULL OR restore_by > restore_from),
  CHECK ((status = 'RESTORED') = (closed_at IS NOT NULL))
);
CREATE UNIQUE INDEX dmca_cases_open_target_idx ON dmca_cases (target_kind, target_id)
  WHERE status IN ('TAKEN_DOWN', 'COUNTER_NOTICED', 'SUIT_FILED');
CREATE INDEX dmca_cases_owner_idx ON dmca_cases (owner_user_id);
CREATE INDEX dmca_cases_restore_idx ON dmca_cases (restore_from) WHERE status = 'COUNTER_NOTICED';
CREATE INDEX dmca_cases_queue_idx ON dmca_cases (status, taken_down_at);

-- ---- role ------------------------------------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_dmca') THEN
    BEGIN
      CREATE ROLE rastup_dmca LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- created concurrently by a migration of another database in the same cluster
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO rastup_dmca;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO rastup_dmca', current_database());
  GRANT USAGE ON SCHEMA public TO rastup_dmca;
END
$$;

-- Notices and cases are legal records: never deleted by the domain.
GRANT SELECT, INSERT ON dmca_notices TO rastup_dmca;
GRANT SELECT, INSERT, UPDATE ON dmca_cases TO rastup_dmca;
GRANT INSERT ON outbox_events TO rastup_dmca;
GRANT INSERT ON audit_log TO rastup_dmca;
GRANT SELECT (seq, hash) ON audit_log TO rastup_dmca;

-- The account's export (privacy reads what lambdas/dmca/dmca-export.query.ts names): cases about its material.
GRANT SELECT (id, target_kind, target_id, owner_user_id, status, taken_down_at, counter_noticed_at, counter_notice,
              restore_from, restore_by, closed_at) ON dmca_cases TO rastup_privacy;

-- Down Migration
REVOKE SELECT (id, target_kind, target_id, owner_user_id, status, taken_down_at, counter_noticed_at, counter_notice,
               restore_from, restore_by, closed_at) ON dmca_cases FROM rastup_privacy;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_dmca') THEN
    EXECUTE 'DROP OWNED BY rastup_dmca';
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM rastup_dmca', current_database());
  END IF;
END
$$;
DROP TABLE dmca_cases;
DROP TABLE dmca_notices;
