// Headers: a strict Content-Security-Policy on every page (no inline anything), HSTS when the
// issuer is https, no caching of pages with personal data, and a warning at start when an https
// issuer would set cookies without Secure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../helpers/browser.ts';
import { openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

function directives(header: unknown): Map<string, string> {
  return new Map(String(header).split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name!, values.join(' ')]));
}

describe('security headers', () => {
  let scanin: TestScanin;

  beforeAll(async () => {
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await scanin?.close();
  });

  it("the QR page: default-src 'none', scripts and styles from Scanin only, forms to Scanin and the app, never cached", async () => {
    const login = await openLoginPage(await discover(scanin.issuer));
    const page = await login.browser.fetch(login.interactionUrl);
    const csp = directives(page.headers['content-security-policy']);
    expect(csp.get('default-src')).toBe("'none'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('style-src')).toBe("'self'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('form-action')).toBe("'self' http://127.0.0.1:9");
    expect(String(page.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['strict-transport-security']).toBeUndefined();
  });

  it('every other answer carries the base policy too: errors, discovery, the device API', async () => {
    for (const path of ['/no-such-page', '/.well-known/openid-configuration', '/device/v1/requests/AAAAAAAAAAAAAAAAAAAAAA', '/e/AAAAAAAAAAAAAAAAAAAAAA']) {
      const page = await new TestBrowser().fetch(`${scanin.issuer}${path}`);
      expect(directives(page.headers['content-security-policy']).get('default-src'), path).toBe("'none'");
    }
    const error = await new TestBrowser().fetch(`${scanin.issuer}/e/AAAAAAAAAAAAAAAAAAAAAA`);
    expect(error.headers['cache-control']).toBe('no-store');
  });

  it('sends HSTS when the issuer is https', async () => {
    const https = await startTestScanin({ env: { ISSUER: 'https://id.example.test', TRUST_PROXY: '1' } });
    try {
      const page = await fetch(`http://127.0.0.1:${https.port}/.well-known/openid-configuration`);
      expect(page.headers.get('strict-transport-security')).toBe('max-age=31536000');
    } finally {
      await https.close();
    }
  });
});
