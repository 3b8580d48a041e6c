// Content-Security-Policy. Every answer gets the base policy: nothing loads unless named, and
// scripts, styles, images, fetches and the manifest come from Scanin's own origin only — no
// inline script or style anywhere (the QR code is inline SVG markup, not a style). Pages that
// post forms (login, consent) name where a form may lead: Scanin itself and, since the engine
// then redirects there, the origin of the app's redirect URI (Chromium applies form-action to
// the redirects after a post). A page that frames others (front-channel logout) names them.
export type PolicyExtras = { formAction?: string[]; frameSrc?: string[] };

export function contentSecurityPolicy(extras: PolicyExtras = {}): string {
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ];
  if (extras.formAction) directives.push(`form-action 'self'${extras.formAction.map((origin) => ` ${origin}`).join('')}`);
  if (extras.frameSrc?.length) directives.push(`frame-src ${extras.frameSrc.join(' ')}`);
  return directives.join('; ');
}

/** The origin of a URL, for a policy; null when it is not an http(s) URL. */
export function originOf(url: unknown): string | null {
  const parsed = typeof url === 'string' ? URL.parse(url) : null;
  return parsed && (parsed.protocol === 'https:' || parsed.protocol === 'http:') ? parsed.origin : null;
}
