// The browser, played by an HTTP client with a cookie jar that follows nothing by itself, so a
// test sees every redirect of the OIDC dance.
import { request } from 'undici';

export type Page = { status: number; location: string | undefined; body: string; url: string; headers: Record<string, string | string[] | undefined> };

export class TestBrowser {
  private readonly cookies = new Map<string, { value: string; path: string }>();
  readonly userAgent: string;
  private readonly extraHeaders: Record<string, string>;

  /** `extraHeaders` go with every request, e.g. what a reverse proxy adds. */
  constructor(userAgent = 'Mozilla/5.0 (X11; Linux x86_64) ScaninTest/1.0', extraHeaders: Record<string, string> = {}) {
    this.userAgent = userAgent;
    this.extraHeaders = extraHeaders;
  }

  private cookieHeader(url: URL): string {
    return [...this.cookies.entries()]
      .filter(([, cookie]) => url.pathname.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
  }

  private remember(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const path = attributes.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attributes.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  /** `form`: the fields a POST sends, as an HTML form does. */
  async fetch(url: string, init: { method?: 'GET' | 'POST'; accept?: string; form?: Record<string, string> } = {}): Promise<Page> {
    const target = new URL(url);
    const response = await request(target, {
      method: init.method ?? 'GET',
      headers: {
        ...this.extraHeaders,
        'user-agent': this.userAgent,
        accept: init.accept ?? 'text/html',
        cookie: this.cookieHeader(target),
        ...(init.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.method === 'POST' ? new URLSearchParams(init.form ?? {}).toString() : undefined,
    });
    this.remember(response.headers['set-cookie']);
    const location = response.headers.location as string | undefined;
    return {
      status: response.statusCode,
      location: location && new URL(location, target).href,
      body: await response.body.text(),
      url: target.href,
      headers: response.headers,
    };
  }

  /** Follows redirects while they stay on `origin`; returns the last page and the first foreign location. */
  async follow(url: string, origin: string): Promise<{ page: Page; leftTo: string | undefined }> {
    let page = await this.fetch(url);
    while (page.location) {
      if (!page.location.startsWith(origin)) return { page, leftTo: page.location };
      page = await this.fetch(page.location);
    }
    return { page, leftTo: undefined };
  }

  /** A cookie's value in the jar, as the browser would send it. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  /** Puts a cookie in the jar by hand (copied from another browser, or forged). */
  setCookie(name: string, value: string, path = '/'): void {
    this.cookies.set(name, { value, path });
  }

  /** Drops the cookies whose names start with `prefix`, as a browser does when they expire. */
  dropCookies(prefix: string): void {
    for (const name of [...this.cookies.keys()]) if (name.startsWith(prefix)) this.cookies.delete(name);
  }

  cookieFor(url: string): string {
    return this.cookieHeader(new URL(url));
  }
}

/** The QR link and rid the login page shows. */
export function readLoginPage(html: string): { qrUrl: string; rid: string } {
  const href = /id="qr-link" href="([^"]+)"/.exec(html)?.[1];
  if (!href) throw new Error(`not a QR login page:\n${html.slice(0, 500)}`);
  const qrUrl = href.replace(/&amp;/g, '&');
  return { qrUrl, rid: qrUrl.slice(qrUrl.lastIndexOf('/') + 1) };
}
