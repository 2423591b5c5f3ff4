-- Up Migration
-- Search's availability-window filter (issue #14): the search role reads, through booking's exported
-- door (lambdas/booking/search-availability.query.ts), each listing's availability document and the
-- ranges that block it (active legs, imported busy blocks). Only the columns the feasibility check
-- needs: no owner, no client, no amounts, no feed URLs.
GRANT SELECT (resource_id, availability) ON booking_settings TO rastup_search;
GRANT SELECT (resource_id, blocked, active) ON booking_legs TO rastup_search;
GRANT SELECT (resource_id, during) ON booking_busy_blocks TO rastup_search;

-- Down Migration
REVOKE SELECT (resource_id, during) ON booking_busy_blocks FROM rastup_search;
REVOKE SELECT (resource_id, blocked, active) ON booking_legs FROM rastup_search;
REVOKE SELECT (resource_id, availability) ON booking_settings FROM rastup_search;
