/**
 * Partner's part of the data export (DSAR, NTB-EXPORT-001), read by the privacy domain: partner
 * applications that act for the account (name and status; their DPA contact and secret stay out)
 * and the webhook events partners were sent about the account's listings (and their media;
 * payloads never hold owner ids), with delivery outcome per endpoint.
 */
import type { Queryable } from '../core/db/database.ts';
import { jsonRows, type JsonRow } from '../core/db/json-rows.ts';

export async function partnerExportSection(db: Queryable, userId: string): Promise<Record<string, JsonRow[]>> {
  const [linkedApplications, webhookDeliveries] = await Promise.all([
    jsonRows(db, `SELECT client_id, name, status, scopes, created_at FROM partner.client WHERE account_user_id = $1`, [
      userId,
    ]),
    jsonRows(
      db,
      `SELECT e.event_id, e.type, e.version, e.occurred_at, e.payload, c.name AS partner_name, t.state, t.attempts,
              t.replay, t.created_at
         FROM partner.event e
         JOIN partner.delivery_task t ON t.event_id = e.event_id
         JOIN partner.webhook_endpoint w ON w.endpoint_id = t.endpoint_id
         JOIN partner.client c ON c.client_id = w.client_id
        WHERE e.aggregate_id IN (SELECT listing_id FROM listing_owners_all WHERE owner_user_id = $1)
           OR e.payload->>'ownerId' IN (SELECT listing_id FROM listing_owners_all WHERE owner_user_id = $1)`,
      [userId],
    ),
  ]);
  return { linkedApplications, webhookDeliveries };
}
