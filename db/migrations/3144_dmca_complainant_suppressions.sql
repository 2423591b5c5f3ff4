-- Up Migration
-- Complainant emails (lambdas/dmca/complainant-mailer.ts) honour the suppression list like every other send:
-- the dmca Lambda asks notifications' door (isEmailSuppressed) before mailing, which reads only whether an
-- address is listed, never why or since when.
GRANT SELECT (channel, address) ON notification_suppressions TO rastup_dmca;

-- Down Migration
REVOKE SELECT (channel, address) ON notification_suppressions FROM rastup_dmca;
