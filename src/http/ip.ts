// Which address a request comes from, and how addresses are compared.
//
// Behind proxies the client's address is in X-Forwarded-For, which anyone can send. So Scanin
// walks the chain from the right (the socket's peer, then each address a proxy appended) and
// skips only hops it trusts — TRUST_PROXY names them by count or by CIDR — and takes the first
// untrusted hop. Every hop must parse as an IP address: if the next one does not, the last
// trusted hop is used instead, so free text never reaches a page or the database.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Context } from 'koa';

export type ProxyTrust =
  | { kind: 'none' }
  /** This many proxies stand in front of Scanin (the socket's peer is the nearest). */
  | { kind: 'hops'; hops: number }
  /** Proxies are whichever hops lie in these ranges. */
  | { kind: 'cidrs'; ranges: string[]; list: BlockList };

const FORWARDED_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port'];

/** An IPv4 client on a dual-stack socket is 127.0.0.1, not ::ffff:127.0.0.1. */
export function displayIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}

/** An address as a hop lists it (`1.2.3.4`, `1.2.3.4:567`, `[::1]:80`, `::1`), or null. */
export function parseHop(raw: string): string | null {
  let text = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.indexOf(':'));
  return isIP(text) ? displayIp(text) : null;
}

function trusted(trust: ProxyTrust, ip: string): boolean {
  if (trust.kind !== 'cidrs') return false;
  return trust.list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

/** The client's address, given the socket's peer and the X-Forwarded-For chain. Pure. */
export function resolveClientIp(trust: ProxyTrust, peer: string, forwardedFor: string | undefined): string {
  const socketIp = displayIp(peer);
  if (trust.kind === 'none') return socketIp;
  const chain = (forwardedFor ?? '').split(',').filter((hop) => hop.trim() !== '');
  // hops[0] is the socket's peer, hops[1] the address it appended, and so on to the left.
  const hops = [socketIp, ...chain.reverse()];
  let last = socketIp;
  for (let index = 0; index < hops.length; index++) {
    const ip = index === 0 ? socketIp : parseHop(hops[index]!);
    if (ip === null) return last;
    const isProxy = trust.kind === 'hops' ? index < trust.hops : trusted(trust, ip);
    if (!isProxy) return ip;
    last = ip;
  }
  return last;
}

/** Whether the socket's peer is a proxy whose X-Forwarded-* headers may be believed. */
export function peerIsTrusted(trust: ProxyTrust, peer: string): boolean {
  if (trust.kind === 'none') return false;
  return trust.kind === 'hops' || trusted(trust, displayIp(peer));
}

/**
 * Drops X-Forwarded-* from a peer that is not a trusted proxy, so neither Koa (scheme, host)
 * nor the engine ever believes them; then records the client's address for everything after.
 */
export function proxyHeaders(trust: ProxyTrust) {
  return async (ctx: Context, next: () => Promise<void>) => {
    const peer = ctx.req.socket.remoteAddress ?? '';
    if (!peerIsTrusted(trust, peer)) for (const header of FORWARDED_HEADERS) delete ctx.req.headers[header];
    ctx.state.clientIp = resolveClientIp(trust, peer, ctx.get('x-forwarded-for') || undefined);
    clientIps.set(ctx.req, ctx.state.clientIp as string);
    await next();
  };
}

/** The same, by request, for code that sees only the engine's context (it shares `req`). */
const clientIps = new WeakMap<IncomingMessage, string>();

/** The client's address of a request proxyHeaders saw, from the engine's side. */
export function clientIpOfRequest(req: IncomingMessage | undefined): string | undefined {
  return req ? clientIps.get(req) : undefined;
}

/** The client's address as resolved by proxyHeaders. */
export function clientIp(ctx: Context): string {
  return (ctx.state.clientIp as string | undefined) ?? displayIp(ctx.req.socket.remoteAddress ?? '');
}

/**
 * The unit that rate limits and network comparisons work on: an IPv4 address, or an IPv6
 * address's /64 (one subscriber usually holds a whole /64, so single addresses mean little).
 */
export function networkOf(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '').toLowerCase()).join(':')}::/64`;
}
