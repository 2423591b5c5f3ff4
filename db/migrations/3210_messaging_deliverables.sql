-- Up Migration
-- Final deliverables as immutable manifests (NTB-MSG-002, #13). The provider side of a booking posts a
-- set of files in the booking's thread; each file was uploaded through a presigned PUT into the
-- msg-previews bucket's `deliverables/` prefix and is recorded with its name, exact size, content type
-- and the SHA-256 the messaging Lambda computed from the stored object. A posted set never changes: a
-- new version is a new set. The client's decision (accept / request changes) is the only update, and
-- the messaging role may update exactly those columns; files and uploads of a posted set are not
-- updatable at all. Contractual data, so PostgreSQL (the thread in DynamoDB only names the set).

-- Files uploaded and not yet posted in a set (one row per presigned PUT).
CREATE TABLE message_deliverable_uploads (
  id                text PRIMARY KEY,
  thread_id         text NOT NULL,
  booking_group_id  text NOT NULL,
  uploader_user_id  text NOT NULL,
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  content_type      text NOT NULL,
  size_bytes        bigint NOT NULL CHECK (size_bytes > 0),
  declared_sha256   char(64) NOT NULL CHECK (declared_sha256 ~ '^[0-9a-f]{64}$'),
  object_key        text NOT NULL UNIQUE,
  created_at        timestamptz NOT NULL,
  expires_at        timestamptz NOT NULL
);
CREATE INDEX message_deliverable_uploads_uploader_idx ON message_deliverable_uploads (uploader_user_id);

CREATE TABLE message_deliverable_sets (
  id                text PRIMARY KEY,
  thread_id         text NOT NULL,
  booking_group_id  text NOT NULL,
  version           integer NOT NULL CHECK (version >= 1),
  provider_user_id  text NOT NULL,
  client_user_id    text NOT NULL,
  note              text CHECK (length(note) <= 2000),
  -- The provider's idempotency key of the post: a replay answers the stored set.
  post_key          text NOT NULL,
  status            text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'ACCEPTED', 'CHANGES_REQUESTED')),
  decision_note     text CHECK (length(decision_note) <= 2000),
  decision_key      text,
  decided_at        timestamptz,
  created_at        timestamptz NOT NULL,
  UNIQUE (thread_id, version),
  UNIQUE (provider_user_id, post_key),
  CHECK ((status = 'PENDING') = (decided_at IS NULL AND decision_key IS NULL))
);
CREATE INDEX message_deliverable_sets_thread_idx ON message_deliverable_sets (thread_id, version DESC);
CREATE INDEX message_deliverable_sets_client_idx ON message_deliverable_sets (client_user_id);

CREATE TABLE message_deliverable_files (
  set_id        text NOT NULL REFERENCES message_deliverable_sets (id),
  position      integer NOT NULL CHECK (position >= 0),
  upload_id     text NOT NULL UNIQUE,
  name          text NOT NULL,
  content_type  text NOT NULL,
  size_bytes    bigint NOT NULL CHECK (size_bytes > 0),
  sha256        char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  object_key    text NOT NULL UNIQUE,
  PRIMARY KEY (set_id, position)
);

-- Immutability does not rest on grants alone: even the owner cannot rewrite a manifest's files, or
-- a set's identity columns, or a decision once taken.
CREATE FUNCTION message_deliverables_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'message_deliverable_files' THEN
    RAISE EXCEPTION 'deliverable manifests are immutable' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' OR OLD.status <> 'PENDING'
     OR (NEW.id, NEW.thread_id, NEW.booking_group_id, NEW.version, NEW.provider_user_id, NEW.client_user_id,
         NEW.note, NEW.post_key, NEW.created_at)
        IS DISTINCT FROM
        (OLD.id, OLD.thread_id, OLD.booking_group_id, OLD.version, OLD.provider_user_id, OLD.client_user_id,
         OLD.note, OLD.post_key, OLD.created_at) THEN
    RAISE EXCEPTION 'deliverable manifests are immutable' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER message_deliverable_files_immutable BEFORE UPDATE OR DELETE ON message_deliverable_files
  FOR EACH ROW EXECUTE FUNCTION message_deliverables_immutable();
CREATE TRIGGER message_deliverable_sets_immutable BEFORE UPDATE OR DELETE ON message_deliverable_sets
  FOR EACH ROW EXECUTE FUNCTION message_deliverables_immutable();

GRANT SELECT, INSERT, DELETE ON message_deliverable_uploads TO rastup_messaging;
GRANT SELECT, INSERT ON message_deliverable_sets TO rastup_messaging;
GRANT UPDATE (status, decision_note, decision_key, decided_at) ON message_deliverable_sets TO rastup_messaging;
GRANT SELECT, INSERT ON message_deliverable_files TO rastup_messaging;
-- Decisions are audited in their own transaction (the hash chain: append, read the head only).
GRANT INSERT ON audit_log TO rastup_messaging;
GRANT SELECT (seq, hash) ON audit_log TO rastup_messaging;
-- The DSAR export (privacy role) reads the account's sets, their files and its pending uploads: the
-- columns its query names (no storage keys or idempotency keys).
GRANT SELECT (id, thread_id, booking_group_id, version, provider_user_id, client_user_id, note, status,
              decision_note, decided_at, created_at) ON message_deliverable_sets TO rastup_privacy;
GRANT SELECT (set_id, position, name, content_type, size_bytes, sha256) ON message_deliverable_files TO rastup_privacy;
GRANT SELECT (id, thread_id, uploader_user_id, name, content_type, size_bytes, created_at)
  ON message_deliverable_uploads TO rastup_privacy;

-- Down Migration
REVOKE ALL ON message_deliverable_uploads, message_deliverable_sets, message_deliverable_files FROM rastup_privacy;
REVOKE SELECT (seq, hash) ON audit_log FROM rastup_messaging;
REVOKE INSERT ON audit_log FROM rastup_messaging;
DROP TABLE message_deliverable_files;
DROP TABLE message_deliverable_sets;
DROP TABLE message_deliverable_uploads;
DROP FUNCTION message_deliverables_immutable();
