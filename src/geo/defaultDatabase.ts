// The IP database used when GEOIP_DB is not set: IP-to-country from the regional internet
// registries' WHOIS and ASN data (ip-location-db, CC0), installed with Scanin from npm, so it is
// there after `npm install` and is refreshed with the dependency.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function defaultGeoDatabase(): string {
  const packageJson = createRequire(import.meta.url).resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json');
  return join(dirname(packageJson), 'geo-whois-asn-country.mmdb');
}
