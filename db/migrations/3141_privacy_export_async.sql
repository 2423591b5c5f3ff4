-- Up Migration
-- DSAR export asynchronous (issue #16, NTB-EXPORT-001): Mutation.requestDataExport records the request
-- and its `privacy.export.requested` event in one transaction and answers at once; the export worker
-- (lambdas/privacy/export-worker.handler.ts) builds the bundle; Query.dataExport reads the status and,
-- once READY, hands out a short-lived download link.
--
-- BUILDING is the accepted, not yet built request. At most one per account: a second request while one
-- is building answers that one (the index settles concurrent requests; the service also holds an
-- advisory lock per account while it counts the day's accepted requests).
--
-- Rows the old synchronous export left BUILDING (a Lambda that timed out or crashed mid-build) will never
-- be built: no event was ever enqueued for them. They are failed first, so the index can be created for an
-- account with two of them, and so none blocks its account's next request (FAILED does not count).
UPDATE privacy_exports SET status = 'FAILED', completed_at = now() WHERE status = 'BUILDING';
CREATE UNIQUE INDEX privacy_exports_one_building_idx ON privacy_exports (user_id) WHERE status = 'BUILDING';

-- The request and its event commit together (the worker is a consumer of the outbox).
GRANT INSERT ON outbox_events TO rastup_privacy;

-- Down Migration
REVOKE INSERT ON outbox_events FROM rastup_privacy;
DROP INDEX privacy_exports_one_building_idx;
