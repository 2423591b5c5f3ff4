-- Up Migration
-- The notifications role read users(id, email, status) for every row (2100): the addresses of suspended
-- and deleted-but-not-yet-erased accounts included, although its only use is "the email of an active
-- account" (lambdas/auth/contact-directory.ts). The view carries that rule in the database: it answers
-- active accounts only (security_barrier: no function in a caller's WHERE sees other rows first), and
-- the column grant on the table goes.
CREATE VIEW contact_directory WITH (security_barrier) AS
  SELECT id, email FROM users WHERE status = 'active';
GRANT SELECT ON contact_directory TO rastup_notifications;
REVOKE SELECT (id, email, status) ON users FROM rastup_notifications;

-- Down Migration
GRANT SELECT (id, email, status) ON users TO rastup_notifications;
DROP VIEW contact_directory;
