-- Up Migration
-- The DSAR export includes the client's Stripe customer and the saved card a renewal charges (3160's
-- columns): the privacy role reads them as it reads the rest of the authorisation.
GRANT SELECT (stripe_customer_id, payment_method_id) ON payment_authorizations TO rastup_privacy;

-- Down Migration
REVOKE SELECT (stripe_customer_id, payment_method_id) ON payment_authorizations FROM rastup_privacy;
