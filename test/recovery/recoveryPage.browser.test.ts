// Recovery in a real browser (headless Chromium): the sign-in page's "Use a recovery code", the
// form, the enrollment QR code read from a screenshot (as the new phone's camera would), the
// reference authenticator enrolling from it, and the page going on to the app by itself under
// the strict CSP (the relying party's redirect_uri is answered by the browser itself). And the
// first codes on an invite's page, which goes on to them by itself once the phone enrolled.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { regenerateRecoveryCodes } from '../../src/recovery/recovery.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { listDevices } from '../../src/store/devices.ts';
import { openPageBeforeApp } from '../helpers/chromium.ts';
import { useChromiumWithScanin } from '../helpers/chromiumWithScanin.ts';
import { enrolledPhone, inviteUrl } from '../helpers/login.ts';
import { decodeScreenshot } from '../helpers/qrImages.ts';
import { authorizationRequest, discover, redeem } from '../helpers/rp.ts';
import { RP_REDIRECT } from '../helpers/scanin.ts';

const RP_ORIGIN = new URL(RP_REDIRECT).origin;

describe('recovery by code in Chromium', () => {
  const world = useChromiumWithScanin();

  it('"Lost your phone?" → email and code → the QR decoded from a screenshot is the enrollment URL → the new phone enrolls → back at the app with tokens', async () => {
    await enrolledPhone(world.scanin, 'chromium-lost@example.com', 'lost.json');
    const account = (await findAccountByEmail(world.scanin.services.db, 'chromium-lost@example.com'))!;
    const codes = await regenerateRecoveryCodes(world.scanin.services.db, world.scanin.services.clock, account.id, 'admin');
    const config = await discover(world.scanin.issuer);
    const { context, page, problems, callback } = await openPageBeforeApp(world.browser, RP_ORIGIN);

    const auth = await authorizationRequest(config);
    await page.goto(auth.url);
    await page.locator('#recovery-link').click();
    await page.locator('input[name=email]').fill('chromium-lost@example.com');
    // A wrong code first: the form says so and keeps the email.
    await page.locator('input[name=code]').fill('ZZZZ-ZZZZ-ZZZZ');
    await page.locator('button[type=submit]').click();
    expect(await page.locator('#recovery-error').textContent()).toBe('That email and code do not match.');
    expect(await page.locator('input[name=email]').inputValue()).toBe('chromium-lost@example.com');
    // The refusal's 400 is the one console error Chromium reports ("Failed to load resource").
    expect(problems).toEqual([expect.stringContaining('400')]);
    problems.length = 0;
    await page.locator('input[name=code]').fill(codes[6]!.toLowerCase());
    await page.locator('button[type=submit]').click();
    await page.locator('#qr svg').waitFor();
    await page.screenshot({ path: '/tmp/scanin-recovery-qr.png' });

    const shown = await decodeScreenshot(page, await page.locator('#qr').screenshot());
    expect(shown).toMatch(new RegExp(`^${world.scanin.issuer}/e/[A-Za-z0-9_-]+$`));
    expect(await page.locator('#qr-link').getAttribute('href')).toBe(shown);

    await new Authenticator({ keysFile: join(world.scanin.dir, 'new-phone.json') }).enroll(shown, { deviceName: 'Found Phone' });
    const url = await callback;
    const tokens = await redeem(config, url, auth);
    expect(tokens.claims()!.sub).toBe(account.id);
    expect((await listDevices(world.scanin.services.db, account.id)).map((device) => device.name).sort()).toEqual(['Found Phone', 'Test Phone']);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('an invite opened on a computer: the QR decoded from a screenshot → the phone enrolls → the page shows the ten codes once by itself', async () => {
    const eurl = await inviteUrl(world.scanin, 'chromium-invited@example.com');
    const context = await world.browser.newContext({ viewport: { width: 900, height: 1000 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(eurl);
    const shown = await decodeScreenshot(page, await page.locator('#qr').screenshot());
    expect(shown).toBe(eurl);
    expect(await page.locator('#invite-watch').textContent()).toBe('Waiting for your phone…');

    await new Authenticator({ keysFile: join(world.scanin.dir, 'invited-phone.json') }).enroll(shown);
    await page.locator('#recovery-codes').waitFor();
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    await page.screenshot({ path: '/tmp/scanin-recovery-codes.png' });
    await page.reload();
    expect(await page.locator('#recovery-codes').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});
