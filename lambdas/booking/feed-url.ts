/**
 * SSRF guard for external calendar URLs. A feed URL is https, carries no credentials, and names a
 * host that is not private: checked when the owner adds it (literal addresses, internal names) and
 * again at connect time by the fetcher's DNS lookup (`publicOnlyLookup`), which refuses the
 * connection when any resolved address is private, loopback, link-local or otherwise not public —
 * so a name that rebinds to 127.0.0.1 after it was added is still refused.
 *
 * `allowLoopback` exists for the local stack only (the config refuses it outside local/test): then
 * http and https to loopback (127.0.0.0/8, ::1, localhost) are allowed, nothing else private.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

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

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

function family(address: string): { address: string; type: 'ipv4' | 'ipv6' } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, type: 'ipv4' };
  const kind = isIP(address);
  return kind === 4 ? { address, type: 'ipv4' } : kind === 6 ? { address, type: 'ipv6' } : null;
}

/** Whether an address may be connected to (v4, v6, v4-mapped v6; anything unparsable is refused). */
export function isAllowedAddress(address: string, allowLoopback: boolean): boolean {
  const parsed = family(address);
  if (!parsed) return false;
  if (allowLoopback && loopback.check(parsed.address, parsed.type)) return true;
  return !blocked.check(parsed.address, parsed.type);
}

export class FeedUrlRefused extends Error {}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

/** The add-time checks; returns the normalised URL. Throws FeedUrlRefused with a reason a person can read. */
export function checkFeedUrl(raw: string, allowLoopback: boolean): URL {
  let url: URL;
  try {
    // webcal:// is how calendar apps spell a subscription; it is fetched over https.
    url = new URL(raw.trim().replace(/^webcals?:\/\//i, 'https://'));
  } catch {
    throw new FeedUrlRefused('not a URL');
  }
  if (url.username || url.password) throw new FeedUrlRefused('calendar URLs may not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const isLoopbackHost =
    LOOPBACK_NAMES.has(host) || (isIP(host) !== 0 && loopback.check(host, isIP(host) === 4 ? 'ipv4' : 'ipv6'));
  if (allowLoopback && isLoopbackHost) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FeedUrlRefused('use an https URL');
    return url;
  }
  if (url.protocol !== 'https:') throw new FeedUrlRefused('calendar URLs must use https');
  if (isIP(host) !== 0 && !isAllowedAddress(host, false))
    throw new FeedUrlRefused('calendar URLs may not point at private, loopback or link-local addresses');
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.internal') ||
    host.endsWith('.local') ||
    !host.includes('.')
  )
    throw new FeedUrlRefused('calendar URLs must name a public host');
  return url;
}

export class RefusedAddressError extends Error {
  readonly code = 'EFEEDPRIVATE';
}

type Resolve = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: Resolve = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/**
 * A `lookup` for node:http(s) that resolves every address of the name and refuses the connection
 * when any of them is not allowed: the address checked is the address connected to.
 */
export function guardedLookup(allowLoopback: boolean, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => !isAllowedAddress(entry.address, allowLoopback));
      if (refused || addresses.length === 0)
        return callback(new RefusedAddressError(`${hostname} resolves to a non-public address`), '', 0);
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
