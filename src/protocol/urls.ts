// The two URLs a QR code carries. They hold no secret: only the id of a login request or of an
// enrollment, from which a device finds the issuer and the API.
export type ScaninUrl = { issuer: string; kind: 'login' | 'enroll'; id: string };

const ID = /^[A-Za-z0-9_-]{22,128}$/;

export function loginUrl(issuer: string, rid: string): string {
  return `${issuer}/q/${rid}`;
}

export function enrollmentUrl(issuer: string, eid: string): string {
  return `${issuer}/e/${eid}`;
}

/** Splits a scanned URL into issuer and id; the issuer is everything before `/q/` or `/e/`. */
export function parseScaninUrl(text: string): ScaninUrl | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.search || url.hash || url.username || url.password) return null;
  const match = /^(.*)\/([qe])\/([^/]+)$/.exec(url.pathname);
  if (!match || !ID.test(match[3]!)) return null;
  return {
    issuer: `${url.origin}${match[1]}`,
    kind: match[2] === 'q' ? 'login' : 'enroll',
    id: match[3]!,
  };
}
