-- Up Migration
-- Account deletion completeness (issue #16, NTB-SEC-003): the gaps the coverage map named are closed
-- by each owning domain's consumer of user.deleted (infra/definitions/erasure-coverage.ts).

-- Booking (booking-user-deleted): an erased owner's ICS feeds (their busy blocks cascade) and export
-- tokens are deleted, so a leaked export URL answers 404 and no feed URL of theirs is kept.
GRANT DELETE ON booking_calendar_exports TO rastup_booking;

-- Payments (payments-user-deleted): the PaymentIntent request log keeps its amounts (the ledger and
-- reconciliation need them) under the pseudonym.
GRANT UPDATE (client_user_id) ON payment_intent_requests TO rastup_payments;
-- Stripe's event objects as stored (metadata names the account): the id replaced by the pseudonym.
GRANT UPDATE (payload) ON stripe_events TO rastup_payments;

-- Ledger account names: `provider_payable:<userId>` names the account. The ledger stays append-only
-- for amounts and entries; the one change allowed is the erasure's rename of a provider's payable
-- account to its pseudonym, inside a transaction that declares it (SET LOCAL rastup.ledger_erasure)
-- and touching only account_code, from one provider_payable account to another.
CREATE OR REPLACE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Nested, not one AND chain: PL/pgSQL does not promise short-circuit evaluation, and OLD of a
  -- journal_entries row has no account_code.
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'journal_lines'
     AND current_setting('rastup.ledger_erasure', true) = 'on' THEN
    IF OLD.account_code LIKE 'provider\_payable:%' AND NEW.account_code LIKE 'provider\_payable:%'
       AND (NEW.entry_id, NEW.line_no, NEW.amount_cents, NEW.currency)
           IS NOT DISTINCT FROM (OLD.entry_id, OLD.line_no, OLD.amount_cents, OLD.currency) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'the ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
GRANT UPDATE (account_code) ON journal_lines TO rastup_payments;
GRANT DELETE ON ledger_accounts TO rastup_payments;

-- Partner (partner-user-deleted): the account link of a partner application is cleared, and the
-- stored webhook payloads (kept for replay) of the account's listings lose their name-derived slug.
-- The listings of an owner whatever their state (profiles' listing_owners shows ACTIVE owners only,
-- and profiles' own erasure may already have run): a view owned by the migrator, read by partner.
CREATE VIEW listing_owners_all AS
  SELECT 'PROFILE'::text AS listing_type, id AS listing_id, owner_user_id FROM service_profiles
  UNION ALL
  SELECT 'STUDIO'::text AS listing_type, id AS listing_id, owner_user_id FROM studios;
GRANT SELECT ON listing_owners_all TO rastup_partner;
GRANT UPDATE (payload, previous_payload) ON partner.event TO rastup_partner;
GRANT INSERT ON consumer_inbox TO rastup_partner;

-- Profiles (profiles-user-deleted): the listing events it already wrote to the outbox carry the
-- name-derived slug; the erasure replaces it with the erased listing's slug (outbox-slug-scrub.ts).
-- A function running with the migrator's rights, executable by the profiles role only: the role gets
-- no read or write access to the outbox beyond this one change (slug of its own listing events).
CREATE FUNCTION scrub_listing_slug(p_aggregate_type text, p_aggregate_id text, p_slug text) RETURNS integer
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  -- SKIP LOCKED: a row the relay holds is being published in the very batch that delivers this
  -- user.deleted; waiting for it would wait on ourselves (the local bus delivers inside the relay's
  -- transaction) until the statement timeout. Such a row keeps its old slug: a named gap.
  WITH candidates AS (
    SELECT id FROM outbox_events
     WHERE aggregate_type = p_aggregate_type AND aggregate_id = p_aggregate_id
       AND p_aggregate_type IN ('profile', 'studio') AND p_slug LIKE 'erased-%'
       AND payload ? 'slug' AND payload->>'slug' <> p_slug
       FOR UPDATE SKIP LOCKED),
  scrubbed AS (
    UPDATE outbox_events o SET payload = jsonb_set(o.payload, '{slug}', to_jsonb(p_slug))
      FROM candidates c WHERE o.id = c.id
    RETURNING 1)
  SELECT count(*)::integer FROM scrubbed
$$;
REVOKE ALL ON FUNCTION scrub_listing_slug(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scrub_listing_slug(text, text, text) TO rastup_profiles;

-- Down Migration
DROP FUNCTION scrub_listing_slug(text, text, text);
REVOKE INSERT ON consumer_inbox FROM rastup_partner;
REVOKE UPDATE (payload, previous_payload) ON partner.event FROM rastup_partner;
DROP VIEW listing_owners_all;
REVOKE DELETE ON ledger_accounts FROM rastup_payments;
REVOKE UPDATE (account_code) ON journal_lines FROM rastup_payments;
CREATE OR REPLACE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
REVOKE UPDATE (payload) ON stripe_events FROM rastup_payments;
REVOKE UPDATE (client_user_id) ON payment_intent_requests FROM rastup_payments;
REVOKE DELETE ON booking_calendar_exports FROM rastup_booking;
