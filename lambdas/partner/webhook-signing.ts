/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256 keyed with the secret's bytes (the
 * base64 after `whsec_`), sent as `v1,<base64>`; several space-separated signatures while a
 * rotated-out secret is still within its overlap, so receivers verify with either secret.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(24).toString('base64')}`;
}

export function signatureOf(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export function webhookHeaders(input: {
  secrets: readonly string[];
  messageId: string;
  timestampSeconds: number;
  body: string;
  eventVersion: string;
}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': input.messageId,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': input.secrets
      .map((secret) => signatureOf(secret, input.messageId, input.timestampSeconds, input.body))
      .join(' '),
    'x-rastup-event-version': input.eventVersion,
    'user-agent': 'RastUp-Webhooks/1',
  };
}
