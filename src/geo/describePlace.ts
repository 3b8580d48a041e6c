// One line a person reads, from an IP database's record: "Berlin, Germany", "Germany". Two record
// shapes are understood, which between them cover the free databases an operator is likely to
// point GEOIP_DB at:
//   - MaxMind's GeoIP2/GeoLite2 layout, also used by DB-IP's Lite files:
//     {city: {names: {en}}, subdivisions: [{names: {en}}], country: {iso_code, names: {en}}};
//   - the flat layout of the ip-location-db packages (the shipped default is one of them):
//     {country_code, state1?, city?}.
// English names; a country known only by its ISO code is named by Intl (Node ships full ICU).
// Each part is cleaned like any text a person reads and did not write (the file is the operator's
// choice, its contents are not), so a part of only invisible characters is no part. Pure.
import { cleanText, TEXT_LIMITS } from '../text/cleanText.ts';

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

type Names = { names?: Record<string, unknown> };

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? cleanText(value, TEXT_LIMITS.place) || undefined : undefined;
}

function englishName(value: unknown): string | undefined {
  return text(record((record(value) as Names | undefined)?.names)?.en);
}

function countryName(code: unknown): string | undefined {
  const iso = text(code);
  // ZZ is "unknown" in ISO 3166 user space (Intl would say "Unknown Region").
  if (!iso || !/^[A-Za-z]{2}$/.test(iso) || iso.toUpperCase() === 'ZZ') return undefined;
  try {
    return regionNames.of(iso.toUpperCase()) ?? undefined;
  } catch {
    return undefined;
  }
}

/** "City, Region, Country" with what the record has (the region only beside a city), at most 100 characters, or null. */
export function describePlace(value: unknown): string | null {
  const data = record(value);
  if (!data) return null;
  const country = englishName(data.country) ?? countryName(record(data.country)?.iso_code) ?? countryName(data.country_code);
  const city = englishName(data.city) ?? text(data.city);
  const subdivisions = Array.isArray(data.subdivisions) ? data.subdivisions : [];
  const region = englishName(subdivisions[0]) ?? text(data.state1);
  // A region alone ("Bavaria, Germany") says little more than the country and reads oddly.
  const parts = city ? [city, region, country] : [country];
  const unique = parts.filter((part, index): part is string => part !== undefined && parts.indexOf(part) === index);
  return unique.length > 0 ? cleanText(unique.join(', '), TEXT_LIMITS.place) : null;
}
