// IP addresses as people know them: an IPv4 client on a dual-stack socket is 127.0.0.1, not
// ::ffff:127.0.0.1.
export function displayIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
