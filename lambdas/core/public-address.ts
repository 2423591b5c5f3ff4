/**
 * Which IP addresses an outbound fetch to a user-supplied URL may reach (SSRF guards: partner webhook
 * targets, external calendar feeds). Public only: private, loopback, link-local, CGNAT, documentation,
 * benchmark, multicast and reserved ranges are refused, in IPv4, IPv6 and v4-mapped IPv6.
 */
import { BlockList, isIP } from 'node:net';

const notPublic = new BlockList();
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
  notPublic.addSubnet(net, prefix, 'ipv4');
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
  notPublic.addSubnet(net, prefix, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The address and its family, a v4-mapped IPv6 address read as the IPv4 it maps; null when not an IP. */
function parsed(address: string): { address: string; type: 'ipv4' | 'ipv6' } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, type: 'ipv4' };
  const kind = isIP(address);
  return kind === 4 ? { address, type: 'ipv4' } : kind === 6 ? { address, type: 'ipv6' } : null;
}

/** Whether an address is a public one (anything unparsable is not). */
export function isPublicAddress(address: string): boolean {
  const ip = parsed(address);
  return ip !== null && !notPublic.check(ip.address, ip.type);
}

/** Whether an address is loopback (127.0.0.0/8, ::1, or v4-mapped loopback). */
export function isLoopbackAddress(address: string): boolean {
  const ip = parsed(address);
  return ip !== null && loopback.check(ip.address, ip.type);
}
