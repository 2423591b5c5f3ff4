-- Up Migration
-- Partner API, third part (issue #15): brief and invite lists, closing a brief, and the events
-- partners subscribe to about their own briefs (brief.created, brief.closed, invite.created).
--
-- Those events belong to one partner client: `partner.event.client_id` names it, fan-out and the
-- replayer deliver such an event only to that client's endpoints. NULL: a public event (listings,
-- work), delivered to every subscriber as before.
ALTER TABLE partner.event ADD COLUMN client_id text CHECK (client_id LIKE 'prt\_%');
ALTER TABLE partner.brief ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
-- The invite list pages newest first per client (the brief list uses partner_brief_client_idx).
CREATE INDEX partner_invite_client_idx ON partner.invite (client_id, invite_id);
GRANT UPDATE (status, updated_at) ON partner.brief TO rastup_partner;
-- Brief and invite events commit with the change (outbox).
GRANT INSERT ON outbox_events TO rastup_partner;

-- Down Migration
REVOKE INSERT ON outbox_events FROM rastup_partner;
REVOKE UPDATE (status, updated_at) ON partner.brief FROM rastup_partner;
DROP INDEX partner.partner_invite_client_idx;
ALTER TABLE partner.brief DROP COLUMN updated_at;
ALTER TABLE partner.event DROP COLUMN client_id;
