// Measured contrast: every screen of the web authenticator at /app/, in light and dark mode, run
// through axe-core's color-contrast rule (WCAG 2 AA: 4.5:1 for text, 3:1 for large text) in
// headless Chromium at phone size. axe computes each text's colour against what is really behind
// it (the card, a button, a warning box), from the computed styles of the screen as shown.
// The context bypasses the app's CSP only so that the test can inject axe; the app's own CSP is
// tested in webApp.browser.test.ts.
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disableAccount } from '../../src/accounts/cutOff.ts';
import { createEnrollment } from '../../src/enrollment/enrollments.ts';
import { enrollmentUrl } from '../../src/protocol/urls.ts';
import { ensureAccount } from '../../src/store/accounts.ts';
import { findLoginRequest } from '../../src/store/loginRequests.ts';
import { TestBrowser } from '../helpers/browser.ts';
import { launchChromium, PHONE } from '../helpers/chromium.ts';
import { newInvite } from '../helpers/device.ts';
import { openLoginPage } from '../helpers/login.ts';
import { discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const OFFICE_IP = '193.99.144.80';

type Finding = { screen: string; scheme: string; target: string; ratio: number | undefined; expected: string | undefined; text: string };
/** What the page computes for a text axe could not decide: its colour against the nearest opaque background. */
type Measured = { ratio: number; large: boolean; text: string };
type AxeNode = { target: string[]; html: string; any: Array<{ data?: { contrastRatio?: number; expectedContrastRatio?: string } }> };
type AxeResult = { violations: Array<{ nodes: AxeNode[] }>; incomplete: Array<{ nodes: AxeNode[] }>; passes: Array<{ nodes: AxeNode[] }> };

let scanin: TestScanin;
let browser: Browser;
let phone: BrowserContext;
let app: Page;
const failures: Finding[] = [];
const undecided: Finding[] = [];
const checked: string[] = [];
/** The lowest contrast ratio of any text that passed, per colour scheme. */
const lowest: Record<string, number> = { light: Infinity, dark: Infinity };

function finding(screen: string, scheme: string, node: AxeNode): Finding {
  const data = node.any[0]?.data ?? {};
  return { screen, scheme, target: node.target.join(' '), ratio: data.contrastRatio, expected: data.expectedContrastRatio, text: node.html.slice(0, 120) };
}

/**
 * Texts axe leaves undecided (a lone symbol such as the ✓ of a result, which axe will not judge
 * as text) are measured here the way WCAG defines it: relative luminance of the computed colour
 * and of the nearest opaque background, (L1 + 0.05) / (L2 + 0.05); large text is 24 px, or
 * 18.66 px bold.
 */
function measureSelf(page: Page, selector: string): Promise<Measured> {
  return page.evaluate((target) => {
    const element = document.querySelector(target)!;
    const rgb = (color: string) => (/rgba?\(([^)]+)\)/.exec(color)?.[1] ?? '0,0,0,0').split(',').map((part) => Number(part.trim()));
    const luminance = ([r, g, b]: number[]) => {
      const linear = (channel: number) => {
        const c = channel / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * linear(r!) + 0.7152 * linear(g!) + 0.0722 * linear(b!);
    };
    let background: number[] = [255, 255, 255, 1];
    for (let node: Element | null = element; node; node = node.parentElement) {
      const color = rgb(getComputedStyle(node).backgroundColor);
      if ((color[3] ?? 1) === 1) {
        background = color;
        break;
      }
    }
    const style = getComputedStyle(element);
    const [a, b] = [luminance(rgb(style.color)), luminance(background)];
    const size = parseFloat(style.fontSize);
    return { ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), large: size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700), text: element.textContent ?? '' };
  }, selector);
}

/** Runs axe's color-contrast rule on the screen as it is now, in light and in dark mode. */
async function measure(screen: string, page: Page = app): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const result = await page.evaluate(() => (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } }).axe.run(document, {
      runOnly: { type: 'rule', values: ['color-contrast'] },
      resultTypes: ['violations', 'incomplete', 'passes'],
    })) as AxeResult;
    for (const rule of result.violations) for (const node of rule.nodes) failures.push(finding(screen, scheme, node));
    for (const rule of result.incomplete) {
      for (const node of rule.nodes) {
        const own = await measureSelf(page, node.target.join(' '));
        if (own.ratio < (own.large ? 3 : 4.5)) undecided.push({ ...finding(screen, scheme, node), ratio: own.ratio, expected: own.large ? '3:1' : '4.5:1' });
        lowest[scheme] = Math.min(lowest[scheme]!, own.ratio);
      }
    }
    const ratios = result.passes.flatMap((rule) => rule.nodes.map((node) => node.any[0]?.data?.contrastRatio ?? Infinity));
    // Every screen has text: a screen where axe found none to measure was not really measured.
    expect(ratios.length, `${screen} (${scheme}): texts measured`).toBeGreaterThan(0);
    lowest[scheme] = Math.min(lowest[scheme]!, ...ratios);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  checked.push(screen);
}

async function open(hash: string, ready: string): Promise<void> {
  await app.goto(`${scanin.issuer}/app/${hash}`);
  await app.locator(ready).first().waitFor();
}

async function enroll(email: string): Promise<void> {
  const invite = await newInvite(scanin, email);
  await open(`#/open/${encodeURIComponent(enrollmentUrl(scanin.issuer, invite.eid))}`, '#enroll');
}

/** A desktop at `ip` shows a QR code; the phone opens it. */
async function scanLogin(ip: string, ready: string): Promise<string> {
  const login = await openLoginPage(await discover(scanin.issuer), new TestBrowser(undefined, { 'x-forwarded-for': ip }));
  await open(`#/open/${encodeURIComponent(login.qrUrl)}`, ready);
  return login.rid;
}

beforeAll(async () => {
  scanin = await startTestScanin({ env: { TRUST_PROXY: '127.0.0.1', NUMBER_MATCHING: 'true' } });
  browser = await launchChromium();
  phone = await browser.newContext({ ...PHONE, bypassCSP: true, extraHTTPHeaders: { 'x-forwarded-for': OFFICE_IP } });
  app = await phone.newPage();
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

describe('WCAG AA contrast of every screen of the web app, light and dark', () => {
  it('first start, enroll, enrolled', async () => {
    await open('#/', '#no-accounts');
    await measure('accounts (none yet)');
    await enroll('ann@example.com');
    await measure('enroll');
    await app.locator('#enroll').tap();
    await app.locator('#result-title').waitFor();
    await measure('enrolled');
  });

  it('approve with numbers, approve with the other-network warning, approved, denied', async () => {
    const rid = await scanLogin(OFFICE_IP, 'button.number');
    await measure('approve (number matching)');
    const number = (await findLoginRequest(scanin.services.db, rid))!.match_number!;
    await app.locator(`button.number[data-number="${number}"]`).tap();
    await app.locator('.result.ok').waitFor();
    await measure('approved');
    await scanLogin('8.8.8.8', '#other-network');
    await measure('approve (another network)');
    await app.locator('#deny').tap();
    await app.locator('.result.error').waitFor();
    await measure('denied');
  });

  it('errors: an unknown code, a link that is not Scanin', async () => {
    await open(`#/open/${encodeURIComponent(`${scanin.issuer}/q/AAAAAAAAAAAAAAAAAAAAAA`)}`, '#result-title');
    await measure('unknown code');
    await open(`#/open/${encodeURIComponent('https://example.com/nothing')}`, '#result-title');
    await measure('not a Scanin code');
  });

  it('several accounts, which account, the account with its notebook, a conflict, removal', async () => {
    await enroll('bob@example.com');
    await app.locator('#enroll').tap();
    await app.locator('#result-title').waitFor();
    await open('#/', '.account');
    await measure('accounts');
    await scanLogin(OFFICE_IP, 'button.pick');
    await measure('which account');
    await open('#/', '.account');
    await app.locator('.account').first().tap();
    await app.locator('#vault-text:not([disabled])').waitFor();
    await measure('account and notebook');
    const other = await phone.newPage();
    await other.goto(app.url());
    await other.locator('#vault-text:not([disabled])').waitFor();
    await app.locator('#vault-text').fill('written here');
    await app.locator('#vault-save').tap();
    await app.getByText('Saved: version 1.').waitFor();
    await other.locator('#vault-text').fill('written there');
    await other.locator('#vault-save').tap();
    await other.locator('#vault-conflict:not(.hidden)').waitFor();
    await measure('notebook conflict', other);
    await other.close();
    await app.locator('#remove').tap();
    await app.locator('#remove-confirm:not(.hidden)').waitFor();
    await measure('remove');
    await app.locator('#remove-yes').tap();
    await app.locator('.account').first().waitFor();
    expect(await app.locator('.account-email').allTextContents()).toEqual(['bob@example.com']);
  });

  it('an account disabled by an administrator: the phone says so as soon as it reads a sign-in', async () => {
    const bob = await scanin.services.db('accounts').where({ email: 'bob@example.com' }).first();
    expect(await disableAccount(scanin.services.db, scanin.services.clock, bob.id)).toBe(true);
    // Its key stays bound but signs nothing: the signed read is refused (403 account_disabled).
    await scanLogin(OFFICE_IP, '#result-title');
    expect(await app.locator('#result-title').textContent()).toBe('This account is disabled');
    expect(await app.locator('#result-text').textContent()).toContain('Ask them to enable it again.');
    await measure('account disabled');
  });

  it('an added device waiting for confirmation: the waiting screen, and its badge in the accounts', async () => {
    const carol = await ensureAccount(scanin.services.db, scanin.services.clock, 'carol@example.com', 'Carol');
    const added = await createEnrollment(scanin.services.db, scanin.services.clock, carol, 'add_device', 600);
    await open(`#/open/${encodeURIComponent(enrollmentUrl(scanin.issuer, added.eid))}`, '#enroll');
    await app.locator('#enroll').tap();
    await app.locator('#confirm-status').waitFor();
    await measure('waiting for confirmation');
    await open('#/', '.badge');
    expect(await app.locator('.badge').textContent()).toBe('waiting for confirmation');
    await measure('accounts (one waiting for confirmation)');
  });

  it('the scan screen (no camera here: it says so)', async () => {
    await open('#/scan', '#scan-status');
    await app.locator('#scan-status', { hasNotText: 'Starting' }).waitFor();
    await measure('scan');
  });

  it('the app lock: its settings, the PIN prompt and its error', async () => {
    await open('#/lock', '#lock-current');
    await measure('app lock');
    await app.locator('#lock-pin').tap();
    await app.locator('#pin-input').fill('12');
    await app.locator('#pin-submit').tap();
    await app.getByText('A PIN has at least 6 digits.').waitFor();
    await measure('choose a PIN (with its error)');
    await app.locator('#pin-cancel').tap();
  });

  it('no text anywhere below AA, by axe or, where it could not decide, measured here', () => {
    expect(checked).toHaveLength(20);
    console.log(`lowest contrast of any text: light ${lowest.light!.toFixed(2)}:1, dark ${lowest.dark!.toFixed(2)}:1`);
    expect(failures).toEqual([]);
    expect(undecided).toEqual([]);
  });
});
