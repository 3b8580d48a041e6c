// The two URLs a QR code carries. They hold no secret: only the id of a login request or of an
// enrollment, from which a device finds the issuer and the API. The grammar a device accepts is
// docs/protocol.md §2's, rule for rule:
//   scanned = *ascii-space url *ascii-space
//   url     = ("https" / "http") "://" host [":" port] prefix "/" ("q" / "e") "/" id
//   prefix  = *("/" 1*(ALPHA / DIGIT / "-" / "." / "_" / "~"))
//   id      = 22*128(ALPHA / DIGIT / "-" / "_")
// with no user info, no "?" and no "#" (not even empty ones), no trailing "/", no
// percent-encoding. The host is what the WHATWG URL parser makes of it: lower case, an IDN in
// its ASCII (xn--) form, an IPv6 address in brackets, the default port left out.
export type ScaninUrl = { issuer: string; kind: 'login' | 'enroll'; id: string };

const PATH = /^((?:\/[A-Za-z0-9._~-]+)*)\/([qe])\/([A-Za-z0-9_-]{22,128})$/;
const ASCII_SPACE = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;

export function loginUrl(issuer: string, rid: string): string {
  return `${issuer}/q/${rid}`;
}

export function enrollmentUrl(issuer: string, eid: string): string {
  return `${issuer}/e/${eid}`;
}

/** Splits a scanned URL into issuer and id; the issuer is everything before `/q/` or `/e/`. */
export function parseScaninUrl(text: string): ScaninUrl | null {
  const trimmed = text.replace(ASCII_SPACE, '');
  // An empty query or fragment ("…/q/{rid}?") leaves no trace in the parsed URL: look at the text.
  if (trimmed.includes('?') || trimmed.includes('#')) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  const match = PATH.exec(url.pathname);
  if (!match) return null;
  return {
    issuer: `${url.origin}${match[1]}`,
    kind: match[2] === 'q' ? 'login' : 'enroll',
    id: match[3]!,
  };
}
