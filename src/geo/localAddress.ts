// Addresses that name no place on the internet: the server's own machine (loopback), private
// networks (RFC 1918, IPv6 unique-local), link-local, and the shared carrier-NAT range. A browser
// seen at one of these is on a network near the server (or behind a proxy TRUST_PROXY does not
// name), so no IP database can say where it is; the phone is told so plainly instead.
import { BlockList, isIP } from 'node:net';

const LOCAL = new BlockList();
for (const [address, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16]] as const) {
  LOCAL.addSubnet(address, bits, 'ipv4');
}
for (const [address, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) {
  LOCAL.addSubnet(address, bits, 'ipv6');
}

/** Whether `ip` (as Scanin displays addresses: IPv4 without the ::ffff: prefix) is local. */
export function isLocalAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return LOCAL.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}
