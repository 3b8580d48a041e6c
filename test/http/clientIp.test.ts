// Which address is the browser's: the rightmost hop that is not a trusted proxy, and always an
// IP address (free text in X-Forwarded-For never gets through).
import { describe, expect, it } from 'vitest';
import { parseTrustProxy } from '../../src/config/env.ts';
import { networkOf, parseHop, resolveClientIp } from '../../src/http/ip.ts';

describe('the client address behind proxies', () => {
  it('ignores X-Forwarded-For without TRUST_PROXY', () => {
    expect(resolveClientIp(parseTrustProxy('false'), '::ffff:192.0.2.1', '203.0.113.9')).toBe('192.0.2.1');
  });

  it('with a hop count, skips that many proxies from the right and ignores what the client prepended', () => {
    const one = parseTrustProxy('1');
    expect(resolveClientIp(one, '10.0.0.2', '203.0.113.9')).toBe('203.0.113.9');
    // The client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended the real address.
    expect(resolveClientIp(one, '10.0.0.2', '6.6.6.6, 203.0.113.9')).toBe('203.0.113.9');
    expect(resolveClientIp(parseTrustProxy('2'), '10.0.0.2', '6.6.6.6, 203.0.113.9, 10.0.0.3')).toBe('203.0.113.9');
    // Fewer hops than configured: the leftmost valid one.
    expect(resolveClientIp(parseTrustProxy('3'), '10.0.0.2', '203.0.113.9')).toBe('203.0.113.9');
  });

  it('with a CIDR list, skips hops in the ranges and takes the first one outside them', () => {
    const trust = parseTrustProxy('10.0.0.0/8,127.0.0.1');
    expect(resolveClientIp(trust, '127.0.0.1', '6.6.6.6, 198.51.100.4, 10.1.2.3')).toBe('198.51.100.4');
    // A peer outside the ranges is the client, whatever it forwards.
    expect(resolveClientIp(trust, '192.0.2.50', '198.51.100.4')).toBe('192.0.2.50');
  });

  it('never takes text that is not an IP address: the last trusted hop is used instead', () => {
    const trust = parseTrustProxy('1');
    expect(resolveClientIp(trust, '10.0.0.2', `${'x'.repeat(300)}`)).toBe('10.0.0.2');
    expect(resolveClientIp(trust, '10.0.0.2', '203.0.113.9<script>')).toBe('10.0.0.2');
    expect(resolveClientIp(trust, '10.0.0.2', '203.0.113.9:4711')).toBe('203.0.113.9');
    expect(resolveClientIp(trust, '10.0.0.2', '[2001:db8::1]:443')).toBe('2001:db8::1');
  });

  it('reads hops as proxies write them', () => {
    expect(parseHop(' 2001:db8::7 ')).toBe('2001:db8::7');
    expect(parseHop('::ffff:198.51.100.1')).toBe('198.51.100.1');
    expect(parseHop('unknown')).toBeNull();
    expect(parseHop('')).toBeNull();
  });

  it('counts IPv6 clients by their /64', () => {
    expect(networkOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(networkOf('198.51.100.1')).toBe('198.51.100.1');
  });
});
