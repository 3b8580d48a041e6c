// Where a browser is, roughly: addresses looked up in the IP database Scanin ships (ip-location-db's
// WHOIS/ASN country file, read from disk exactly as the server reads it), local addresses answered
// without one, another .mmdb chosen by GEOIP_DB, and the records of city databases turned into
// one line a person reads. Real public addresses: their registrations are stable for years.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Reader } from 'maxmind';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.ts';
import { defaultGeoDatabase } from '../../src/geo/defaultDatabase.ts';
import { describePlace } from '../../src/geo/describePlace.ts';
import { isLocalAddress } from '../../src/geo/localAddress.ts';
import { LOCAL_PLACE, openPlaceLookup, placeLookup } from '../../src/geo/placeLookup.ts';
import { startTestScanin, testDir } from '../helpers/scanin.ts';

const shipped = openPlaceLookup(defaultGeoDatabase());

describe('the shipped country database', () => {
  it.each([
    ['193.99.144.80', 'Germany'], // heise.de, Hannover
    ['8.8.8.8', 'United States'], // Google Public DNS
    ['2001:4860:4860::8888', 'United States'], // the same, over IPv6
    ['81.2.69.142', 'United Kingdom'],
    ['1.1.1.1', 'Australia'], // APNIC's research prefix
  ])('places %s in %s', (ip, place) => {
    expect(shipped(ip)).toBe(place);
  });

  it('says nothing of an address it does not know', () => {
    expect(shipped('192.0.2.44')).toBeUndefined(); // TEST-NET-1
    expect(shipped('240.0.0.1')).toBeUndefined(); // reserved
  });

  it('says nothing of documentation and multicast addresses, though the file places some of them', () => {
    const reader = new Reader(readFileSync(defaultGeoDatabase()));
    // The database puts TEST-NET-3 in Australia and the IPv6 documentation prefix in Japan (APNIC's blocks).
    expect(reader.get('203.0.113.7')).toEqual({ country_code: 'AU' });
    expect(reader.get('2001:db8::1')).not.toBeNull();
    for (const ip of ['203.0.113.7', '198.51.100.23', '2001:db8::1', '224.0.0.251', 'ff02::fb']) expect(shipped(ip)).toBeUndefined();
  });

  it('says nothing of what is not an IP address', () => {
    for (const text of ['', 'localhost', 'Your office, all is fine', '1.2.3.4.5', '::ffff:zz']) expect(shipped(text)).toBeUndefined();
  });
});

describe('local addresses', () => {
  const local = ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.20', '169.254.10.10', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd12:3456::1', 'fc00::5'];
  const internet = ['172.32.0.1', '192.169.0.1', '100.128.0.1', '11.0.0.1', '2001:4860:4860::8888', 'fec0::1'];

  it.each(local)('%s is on a local network, with or without a database', (ip) => {
    expect(isLocalAddress(ip)).toBe(true);
    expect(shipped(ip)).toBe(LOCAL_PLACE);
    expect(placeLookup(null)(ip)).toBe(LOCAL_PLACE);
  });

  it.each(internet)('%s is not', (ip) => {
    expect(isLocalAddress(ip)).toBe(false);
  });

  it('GEOIP_DB=off: a public address gets no place at all', () => {
    expect(placeLookup(null)('193.99.144.80')).toBeUndefined();
  });
});

describe('another database (GEOIP_DB)', () => {
  const ipv4File = join(dirname(defaultGeoDatabase()), 'geo-whois-asn-country-ipv4.mmdb');

  it('an IPv4-only file places IPv4 addresses and none over IPv6, which it would misread', () => {
    const lookup = openPlaceLookup(ipv4File);
    expect(lookup('193.99.144.80')).toBe('Germany');
    // The reader itself reads the IPv6 address's first 32 bits as 32.1.72.96: a made-up answer.
    const raw = new Reader(readFileSync(ipv4File)).get('2001:4860:4860::8888');
    expect(raw).not.toBeNull();
    expect(lookup('2001:4860:4860::8888')).toBeUndefined();
  });

  it('is checked at start: a missing file or a folder by loadConfig, a file that is no MaxMind DB when Scanin opens it', async () => {
    expect(loadConfig({ GEOIP_DB: 'off' }).geoipDb).toBeNull();
    expect(loadConfig({}).geoipDb).toBe(defaultGeoDatabase());
    expect(loadConfig({ GEOIP_DB: ipv4File }).geoipDb).toBe(ipv4File);
    expect(() => loadConfig({ GEOIP_DB: '/nowhere/city.mmdb' })).toThrow(/^GEOIP_DB: there is no file at \/nowhere\/city\.mmdb; expected the path of an \.mmdb IP database/);
    expect(() => loadConfig({ GEOIP_DB: dirname(ipv4File) })).toThrow(/^GEOIP_DB: .* is not a file/);
    const dir = testDir();
    const notMmdb = join(dir, 'not.mmdb');
    writeFileSync(notMmdb, 'country,code\nGermany,DE\n');
    expect(() => openPlaceLookup(notMmdb)).toThrow(ConfigError);
    expect(() => openPlaceLookup(notMmdb)).toThrow(/^GEOIP_DB: .*not\.mmdb could not be read as a MaxMind DB \(\.mmdb\) file/);
    await expect(startTestScanin({ dir, env: { GEOIP_DB: notMmdb } })).rejects.toThrow(/^GEOIP_DB: /);
  });
});

describe('records of city databases, as one line', () => {
  it('MaxMind GeoIP2 / GeoLite2-City and DB-IP Lite: city, region, country in English', () => {
    expect(describePlace({
      city: { geoname_id: 2950159, names: { de: 'Berlin', en: 'Berlin' } },
      subdivisions: [{ iso_code: 'BE', names: { en: 'Land Berlin' } }],
      country: { iso_code: 'DE', names: { de: 'Deutschland', en: 'Germany' } },
      location: { latitude: 52.5, longitude: 13.4 },
    })).toBe('Berlin, Land Berlin, Germany');
    expect(describePlace({ country: { iso_code: 'FR' } })).toBe('France');
    expect(describePlace({ city: { names: { en: 'Monaco' } }, subdivisions: [{ names: { en: 'Monaco' } }], country: { names: { en: 'Monaco' } } })).toBe('Monaco');
  });

  it('ip-location-db city files: the flat layout', () => {
    expect(describePlace({ country_code: 'US', state1: 'Illinois', city: 'Springfield', latitude: 39.8 })).toBe('Springfield, Illinois, United States');
    // A region without a city adds nothing a person needs.
    expect(describePlace({ country_code: 'DE', state1: 'Bavaria' })).toBe('Germany');
  });

  it('nothing usable gives null, not a guess', () => {
    for (const record of [null, undefined, 'DE', [], {}, { country_code: 'ZZ' }, { country_code: 'Germany' }, { country: { names: { en: '  ' } } }, { autonomous_system_number: 3320 }]) {
      expect(describePlace(record)).toBeNull();
    }
  });

  it('what a database says is cleaned and cut before a phone shows it', () => {
    const reader = (record: unknown) => ({ metadata: { ipVersion: 6 }, get: () => record });
    expect(placeLookup(reader({ city: 'Ber\u202elin\u200b', country_code: 'DE' }))('193.99.144.80')).toBe('Ber lin, Germany');
    expect(placeLookup(reader({ city: 'x'.repeat(500), country_code: 'DE' }))('193.99.144.80')).toHaveLength(100);
    expect(placeLookup(reader({ city: '\u200b\u200b', country: { names: { en: '\u202e' } } }))('193.99.144.80')).toBeUndefined();
    const broken = { metadata: { ipVersion: 6 }, get: () => { throw new Error('Unknown type 13 at offset 9'); } };
    expect(placeLookup(broken)('193.99.144.80')).toBeUndefined();
  });
});
