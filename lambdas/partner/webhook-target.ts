/**
 * SSRF protection for webhook targets (outside local and test stages): https only, no credentials
 * in the URL, and every address the host resolves to must be public. Checked when an endpoint is
 * registered and again at connect time (the sender's DNS lookup refuses a private answer), so a
 * host that resolves to a public address at registration and rebinds to 127.0.0.1 later is refused.
 */
import { BlockList, isIP } from 'node:net';
import { WebhookTargetRefusedError } from './partner.errors.ts';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address (v4, v6, or v4-mapped v6) is private, loopback, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) return blocked.check(address, 'ipv6');
  return true;
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
