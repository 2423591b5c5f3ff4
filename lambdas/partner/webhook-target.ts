/**
 * SSRF protection for webhook targets (outside local and test stages): https only, no credentials
 * in the URL, and every address the host resolves to must be public. Checked when an endpoint is
 * registered and again at connect time (the sender's DNS lookup refuses a private answer), so a
 * host that resolves to a public address at registration and rebinds to 127.0.0.1 later is refused.
 */
import { isIP } from 'node:net';
import { isPublicAddress } from '../core/public-address.ts';
import { WebhookTargetRefusedError } from './partner.errors.ts';

/** Whether an IP address (v4, v6, or v4-mapped v6) is private, loopback, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  return !isPublicAddress(address);
}

/** Registration-time checks of a target URL (the connect-time check is in the sender). */
export function checkTargetUrl(raw: string, allowPrivate: boolean): URL {
  const url = new URL(raw);
  if (url.username || url.password) throw new WebhookTargetRefusedError('Webhook URLs may not carry credentials');
  if (allowPrivate) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new WebhookTargetRefusedError('Use an http(s) URL');
    return url;
  }
  if (url.protocol !== 'https:') throw new WebhookTargetRefusedError('Webhook URLs must use https');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isPrivateAddress(host))
    throw new WebhookTargetRefusedError('Webhook URLs may not point at private, loopback or link-local addresses');
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local'))
    throw new WebhookTargetRefusedError('Webhook URLs must name a public host');
  return url;
}
