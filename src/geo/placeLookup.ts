// Where a browser's address is, roughly, for the approve screen (docs/protocol.md §7,
// `browser.place`). The IP database is an .mmdb file read whole into memory at start (the shipped
// country database is 7.8 MB and answers in microseconds, so a lookup per device read costs
// nothing worth caching). GEOIP_DB chooses the file, or `off`.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Reader } from 'maxmind';
import { ConfigError } from '../config/env.ts';
import { describePlace } from './describePlace.ts';
import { isLocalAddress, isUnplaceableAddress } from './localAddress.ts';

/** The place of an address as the phone shows it, or undefined when nothing is known. */
export type PlaceLookup = (ip: string) => string | undefined;

/** What a private, loopback or link-local address gets: no database knows where those are. */
export const LOCAL_PLACE = 'Local network';

const readers = new Map<string, Reader<Record<string, unknown>>>();

/** The file's reader, opened once per process (several test servers share one). */
function openReader(file: string): Reader<Record<string, unknown>> {
  let reader = readers.get(file);
  if (!reader) {
    try {
      reader = new Reader<Record<string, unknown>>(readFileSync(file));
    } catch (error) {
      throw new ConfigError('GEOIP_DB', `${file} could not be read as a MaxMind DB (.mmdb) file (${(error as Error).message}); give an .mmdb file such as GeoLite2-City.mmdb or DB-IP's City Lite, or off`);
    }
    readers.set(file, reader);
  }
  return reader;
}

/** What a lookup needs of an opened database (mmdb-lib's Reader). */
export type GeoReader = { metadata: { ipVersion: number }; get(ip: string): unknown };

/** `reader` null: GEOIP_DB=off, and only local addresses get a place. */
export function placeLookup(reader: GeoReader | null): PlaceLookup {
  return (ip) => {
    const family = isIP(ip);
    if (family === 0) return undefined;
    if (isLocalAddress(ip)) return LOCAL_PLACE;
    // An IPv4-only file would read an IPv6 address's first 32 bits as an IPv4 address: a wrong
    // place is worse than none.
    if (!reader || isUnplaceableAddress(ip) || (family === 6 && reader.metadata.ipVersion !== 6)) return undefined;
    let record: unknown;
    try {
      record = reader.get(ip);
    } catch {
      // A damaged data section fails one lookup; the phone then shows no place, not an error.
      return undefined;
    }
    return describePlace(record) ?? undefined;
  };
}

/** The lookup over the file GEOIP_DB names (null: off); a file that is no MaxMind DB throws a ConfigError. */
export function openPlaceLookup(file: string | null): PlaceLookup {
  return placeLookup(file === null ? null : openReader(file));
}
