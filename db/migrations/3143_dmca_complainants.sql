-- Up Migration
-- DMCA §512(g)(2)(B): each complainant of a counter-noticed case gets a copy of the counter notice
-- (lambdas/dmca/complainant-mailer.ts, the dmca Lambda consuming its own dmca.counter_noticed event).
-- The consumer records the event it handled, once (consumeOnce).
GRANT INSERT ON consumer_inbox TO rastup_dmca;

-- Down Migration
REVOKE INSERT ON consumer_inbox FROM rastup_dmca;
