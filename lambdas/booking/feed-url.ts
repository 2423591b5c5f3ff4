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
import { isIP, type LookupFunction } from 'node:net';
import { isLoopbackAddress, isPublicAddress } from '../core/public-address.ts';

/** Whether an address may be connected to (v4, v6, v4-mapped v6; anything unparsable is refused). */
export function isAllowedAddress(address: string, allowLoopback: boolean): boolean {
  return (allowLoopback && isLoopbackAddress(address)) || isPublicAddress(address);
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
  const isLoopbackHost = LOOPBACK_NAMES.has(host) || isLoopbackAddress(host);
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
