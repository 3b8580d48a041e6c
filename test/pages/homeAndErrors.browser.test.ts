// The pages around the login in a real browser: the issuer's own address, and the error pages,
// which look the same and speak with one voice whether Scanin or the OIDC engine answers.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

let browser: Browser;
let scanin: TestScanin;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  scanin = await startTestScanin();
  page = await browser.newPage({ viewport: { width: 800, height: 640 } });
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

/** The page's heading, and whether Scanin's stylesheet styled it (the card layout). */
async function shown(): Promise<{ heading: string | null; styled: boolean }> {
  const heading = await page.locator('h1').textContent();
  const styled = await page.locator('main.card').evaluate((card) => getComputedStyle(card).borderRadius === '12px');
  return { heading, styled };
}

describe('the issuer\'s own address and the error pages in Chromium', () => {
  it('/ says what this is and links to discovery, the signing keys and the device protocol', async () => {
    const response = await page.goto(`${scanin.issuer}/`);
    expect(response!.status()).toBe(200);
    expect(await shown()).toEqual({ heading: 'Scanin', styled: true });
    expect(await page.title()).toBe('Scanin');
    await page.screenshot({ path: '/tmp/scanin-home.png' });

    const discovery = await page.locator('#discovery').getAttribute('href');
    expect(discovery).toBe(`${scanin.issuer}/.well-known/openid-configuration`);
    const metadata = (await (await fetch(discovery!)).json()) as { issuer: string; jwks_uri: string };
    expect(metadata.issuer).toBe(scanin.issuer);
    expect(await page.locator('#jwks').getAttribute('href')).toBe(metadata.jwks_uri);

    await page.locator('#protocol').click();
    expect(page.url()).toBe(`${scanin.issuer}/docs/protocol.md`);
    expect(await page.locator('body').textContent()).toMatch(/^# /);
  });

  it.each([
    ['a path of Scanin\'s own', '/q/'],
    ['a path nothing answers', '/no/such/page'],
    ['a path under the engine', '/session/nothing'],
  ])('answers %s with the same 404 page as every other error page', async (_what, path) => {
    const response = await page.goto(`${scanin.issuer}${path}`);
    expect(response!.status()).toBe(404);
    expect(response!.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(await shown()).toEqual({ heading: 'This page does not exist', styled: true });
    expect(await page.locator('main').textContent()).toContain('not_found');
    const api = await fetch(`${scanin.issuer}${path}`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ error: 'not_found' });
  });

  it("gives the engine's refusal of a bad sign-in request the same heading as Scanin's own 400s", async () => {
    const response = await page.goto(`${scanin.issuer}/auth?client_id=no-such-app&response_type=code&scope=openid`);
    expect(response!.status()).toBe(400);
    expect(await shown()).toEqual({ heading: 'This request is not valid', styled: true });
    await page.screenshot({ path: '/tmp/scanin-bad-request.png' });
    const own = await page.goto(`${scanin.issuer}/interaction/not-a-real-one/complete`);
    expect(own!.status()).toBe(400);
    expect(await shown()).toEqual({ heading: 'This request is not valid', styled: true });
  });
});
