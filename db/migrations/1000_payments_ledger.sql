-- Up Migration
-- Payments (issue #12): one authorisation (Stripe PaymentIntent, manual capture) per booking group,
-- refunds, Connect payout accounts, transfers per leg, the Stripe events received, and a double-entry
-- ledger whose every journal entry sums to zero per currency (a deferred constraint trigger checks it
-- at commit, so an entry's lines are written one by one inside the transaction).

-- ---- authorisations: one per booking group ------------------------------------------------------
CREATE TABLE payment_authorizations (
  group_id            text PRIMARY KEY CHECK (length(group_id) BETWEEN 1 AND 100),
  client_user_id      text NOT NULL,
  amount_cents        bigint NOT NULL CHECK (amount_cents > 0),
  currency            char(3) NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  payment_intent_id   text NOT NULL UNIQUE CHECK (payment_intent_id LIKE 'pi\_%'),
  charge_id           text,
  client_secret       text,
  -- Moves only forward (payments.state.ts): requires_action < declined < authorized < captured | voided.
  status              text NOT NULL CHECK (status IN ('requires_action', 'declined', 'authorized', 'captured', 'voided')),
  captured_cents      bigint NOT NULL DEFAULT 0 CHECK (captured_cents >= 0),
  -- What Stripe says is refunded on the charge (charge.refunded `amount_refunded`, only ever grows).
  refunded_cents      bigint NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
  void_reason         text CHECK (void_reason IN ('expired', 'declined', 'cancelled')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (refunded_cents <= GREATEST(captured_cents, amount_cents))
);
CREATE INDEX payment_authorizations_client_idx ON payment_authorizations (client_user_id);

CREATE TABLE payment_refunds (
  id                text PRIMARY KEY CHECK (id LIKE 're\_%'),
  group_id          text NOT NULL REFERENCES payment_authorizations (group_id),
  amount_cents      bigint NOT NULL CHECK (amount_cents > 0),
  reason            text NOT NULL,
  -- The caller's key: a retried refund finds its first answer.
  idempotency_key   text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (group_id, idempotency_key)
);

-- ---- Connect: one Express account per provider / studio host -------------------------------------
CREATE TABLE payout_accounts (
  user_id             text PRIMARY KEY,
  stripe_account_id   text NOT NULL UNIQUE CHECK (stripe_account_id LIKE 'acct\_%'),
  details_submitted   boolean NOT NULL DEFAULT false,
  payouts_enabled     boolean NOT NULL DEFAULT false,
  charges_enabled     boolean NOT NULL DEFAULT false,
  requirements_due    text[] NOT NULL DEFAULT '{}',
  -- The `created` of the newest account.updated applied: an older event never overwrites a newer one.
  status_as_of        bigint NOT NULL DEFAULT 0,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payment_transfers (
  id                text PRIMARY KEY CHECK (id LIKE 'tr\_%'),
  group_id          text NOT NULL REFERENCES payment_authorizations (group_id),
  leg_id            text NOT NULL,
  payee_user_id     text NOT NULL,
  stripe_account_id text NOT NULL,
  amount_cents      bigint NOT NULL CHECK (amount_cents > 0),
  reversed_cents    bigint NOT NULL DEFAULT 0 CHECK (reversed_cents >= 0 AND reversed_cents <= amount_cents),
  created_at        timestamptz NOT NULL DEFAULT now(),
  -- One transfer per leg, whatever the number of concurrent completions.
  UNIQUE (group_id, leg_id)
);

-- ---- Stripe events: stored once each, applied in the same transaction ------------------------------
CREATE TABLE stripe_events (
  id            text PRIMARY KEY CHECK (id LIKE 'evt\_%'),
  type          text NOT NULL,
  object_id     text,
  stripe_created bigint NOT NULL,
  payload       jsonb NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_events_object_idx ON stripe_events (object_id, stripe_created);

-- Disputes (chargebacks): what Stripe said, newest state wins by event time.
CREATE TABLE payment_disputes (
  id              text PRIMARY KEY CHECK (id LIKE 'dp\_%'),
  group_id        text REFERENCES payment_authorizations (group_id),
  charge_id       text NOT NULL,
  amount_cents    bigint NOT NULL,
  currency        char(3) NOT NULL,
  reason          text NOT NULL,
  status          text NOT NULL,
  evidence_due_by timestamptz,
  status_as_of    bigint NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- ---- Ledger ----------------------------------------------------------------------------------------
-- Accounts: `<kind>` or `<kind>:<owner>` (provider_payable:usr_…). Debits are positive amounts,
-- credits negative; an entry's lines sum to zero per currency.
CREATE TABLE ledger_accounts (
  code        text PRIMARY KEY CHECK (code ~ '^[a-z_]+(:[A-Za-z0-9_]+)?$'),
  kind        text NOT NULL CHECK (kind IN (
                'stripe_balance', 'client_funds_held', 'platform_fee', 'tax_payable', 'provider_payable')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ledger_accounts (code, kind) VALUES
  ('stripe_balance', 'stripe_balance'),
  ('client_funds_held', 'client_funds_held'),
  ('platform_fee', 'platform_fee'),
  ('tax_payable', 'tax_payable');

CREATE TABLE journal_entries (
  id          text PRIMARY KEY CHECK (id LIKE 'jnl\_%'),
  kind        text NOT NULL CHECK (kind IN ('capture', 'refund', 'release', 'transfer', 'transfer_reversal')),
  group_id    text,
  -- What the entry records (`capture:pi_…`, `refund:re_…`, `transfer:tr_…`): each movement once,
  -- whichever of the API answer and its webhook (or both, or 100 deliveries) records it.
  source_ref  text NOT NULL UNIQUE,
  memo        text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journal_entries_group_idx ON journal_entries (group_id);

CREATE TABLE journal_lines (
  entry_id      text NOT NULL REFERENCES journal_entries (id),
  line_no       smallint NOT NULL CHECK (line_no >= 1),
  account_code  text NOT NULL REFERENCES ledger_accounts (code),
  amount_cents  bigint NOT NULL CHECK (amount_cents <> 0),
  currency      char(3) NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  PRIMARY KEY (entry_id, line_no)
);
CREATE INDEX journal_lines_account_idx ON journal_lines (account_code);

-- Balanced at commit: each entry touched in the transaction has at least two lines and sums to zero
-- in each currency. Deferred, so the lines of one entry are inserted one statement at a time.
CREATE FUNCTION journal_entry_balances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lines integer;
  unbalanced text;
BEGIN
  SELECT count(*) INTO lines FROM journal_lines WHERE entry_id = NEW.entry_id;
  IF lines < 2 THEN
    RAISE EXCEPTION 'journal entry % has % line(s); double entry needs at least two', NEW.entry_id, lines
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT currency INTO unbalanced FROM journal_lines WHERE entry_id = NEW.entry_id
    GROUP BY currency HAVING sum(amount_cents) <> 0 LIMIT 1;
  IF unbalanced IS NOT NULL THEN
    RAISE EXCEPTION 'journal entry % does not balance in %', NEW.entry_id, unbalanced
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER journal_lines_balance
  AFTER INSERT ON journal_lines DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION journal_entry_balances();

-- An entry without lines is refused too (its lines would be the only proof it balances).
CREATE FUNCTION journal_entry_has_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM journal_lines WHERE entry_id = NEW.id) THEN
    RAISE EXCEPTION 'journal entry % has no lines', NEW.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER journal_entries_have_lines
  AFTER INSERT ON journal_entries DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION journal_entry_has_lines();

-- The ledger is append-only: corrections are new entries.
CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
  FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();

-- ---- the payments role ----------------------------------------------------------------------------
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_payments') THEN
    BEGIN
      CREATE ROLE rastup_payments LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object THEN
      NULL; -- created concurrently by a migration of another database in the same cluster
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    GRANT rds_iam TO rastup_payments;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO rastup_payments', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO rastup_payments;
GRANT SELECT, INSERT, UPDATE ON payment_authorizations, payout_accounts, payment_transfers, payment_disputes TO rastup_payments;
GRANT SELECT, INSERT ON payment_refunds, stripe_events, journal_entries, journal_lines TO rastup_payments;
GRANT SELECT, INSERT ON ledger_accounts TO rastup_payments;
-- A refund first recorded from its webhook gets the caller's key when the API answer is recorded.
GRANT UPDATE (idempotency_key) ON payment_refunds TO rastup_payments;
-- Cross-domain read (profiles' tables) for checkout quotes: prices, deposit, policy, publication
-- state of listings (price-book.repository.ts). Only these columns; no contact details, no address.
GRANT SELECT (id, owner_user_id, status, owner_status, city_code, currency, packages, cancellation_policy)
  ON service_profiles TO rastup_payments;
GRANT SELECT (id, owner_user_id, status, owner_status, city_code, currency, hourly_min_cents, deposit_cents)
  ON studios TO rastup_payments;

-- Down Migration
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rastup_payments') THEN
    EXECUTE 'DROP OWNED BY rastup_payments';
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM rastup_payments', current_database());
  END IF;
END
$$;
DROP TABLE payment_disputes;
DROP TABLE stripe_events;
DROP TABLE journal_lines;
DROP TABLE journal_entries;
DROP FUNCTION journal_entry_balances();
DROP FUNCTION journal_entry_has_lines();
DROP FUNCTION ledger_is_append_only();
DROP TABLE ledger_accounts;
DROP TABLE payment_transfers;
DROP TABLE payout_accounts;
DROP TABLE payment_refunds;
DROP TABLE payment_authorizations;
