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

function inList(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/** Whether `ip` (as Scanin displays addresses: IPv4 without the ::ffff: prefix) is local. */
export const isLocalAddress = (ip: string): boolean => inList(LOCAL, ip);

// Addresses no browser on the internet has: the documentation ranges (RFC 5737, RFC 3849),
// multicast and the reserved 240.0.0.0/4. IP databases still place some of them (the shipped one
// puts 203.0.113.0/24 in Australia and 2001:db8::/32 in Japan, after the registry that holds the
// block around each): a made-up place is worse than none.
const NOWHERE = new BlockList();
for (const [address, bits] of [['192.0.2.0', 24], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  NOWHERE.addSubnet(address, bits, 'ipv4');
}
for (const [address, bits] of [['2001:db8::', 32], ['ff00::', 8]] as const) {
  NOWHERE.addSubnet(address, bits, 'ipv6');
}

/** Whether `ip` is one that no database can truly place (documentation, multicast, reserved). */
export const isUnplaceableAddress = (ip: string): boolean => inList(NOWHERE, ip);
