// The account page in a real browser (headless Chromium, 320 px wide like a small phone): entered
// by scanning the sign-in QR code read from a screenshot, then used with the mouse as a person
// does — rename a device, sign out everywhere, scan again before making recovery codes — under the strict CSP, with large tap targets,
// nothing wider than the screen, labelled inputs, and the dark colours when the system asks.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { findDevice } from '../../src/store/devices.ts';
import { ageSignIns, FRESH_SCAN_NOTE } from '../accountPage/accountBrowser.ts';
import { useChromiumWithScanin } from '../helpers/chromiumWithScanin.ts';
import { inviteUrl } from '../helpers/login.ts';
import { decodeScreenshot } from '../helpers/qrImages.ts';

describe('the account page in Chromium', () => {
  const world = useChromiumWithScanin();

  it('QR from a screenshot → phone approves → the page; rename, 320 px wide, dark mode, sign out everywhere', async () => {
    const phone = new Authenticator({ keysFile: join(world.scanin.dir, 'chromium-phone.json') });
    const { device_id: deviceId } = await phone.enroll(await inviteUrl(world.scanin, 'chromium@example.com', 'Chromium Person'), { deviceName: 'Pocket phone' });
    const context = await world.browser.newContext({ viewport: { width: 320, height: 640 }, colorScheme: 'dark' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${message.text()} ${message.location().url}`);
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => {
      if (response.status() === 404) problems.push(`404 ${response.url()}`);
    });

    await page.goto(`${world.scanin.issuer}/account`);
    await page.locator('#qr svg').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Sign in to your Scanin account');
    const shown = await decodeScreenshot(page, await page.locator('#qr').screenshot());
    expect(shown).toMatch(new RegExp(`^${world.scanin.issuer}/q/[A-Za-z0-9_-]+$`));
    await phone.answer(shown, 'approve');
    // The sign-in page goes on by itself: through the engine and the callback to the page.
    await page.waitForURL(`${world.scanin.issuer}/account`);
    expect(await page.locator('h1').textContent()).toBe('Your account');
    expect(await page.locator('#who').textContent()).toContain('chromium@example.com');

    // Nothing wider than a 320 px screen; every button and disclosure at least 44 px tall.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    const heights = await page.locator('button:visible, summary:visible').evaluateAll((elements) => elements.map((element) => element.getBoundingClientRect().height));
    expect(heights.length).toBeGreaterThan(2);
    for (const height of heights) expect(height).toBeGreaterThanOrEqual(44);
    // The dark colours of every Scanin page.
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(21, 23, 26)');

    // Rename: open the disclosure, the input is found by its label.
    await page.locator(`#device-${deviceId} summary`, { hasText: 'Rename' }).click();
    const input = page.getByLabel('New name for Pocket phone');
    await input.fill('  Phone in the drawer ');
    await page.locator(`#device-${deviceId} button`, { hasText: 'Save the name' }).click();
    await page.locator('#done').waitFor();
    expect(await page.locator('#done').textContent()).toBe('The device was renamed.');
    expect(await page.locator(`#device-${deviceId} .item-name`).textContent()).toContain('Phone in the drawer');
    expect((await findDevice(world.scanin.services.db, deviceId))!.name).toBe('Phone in the drawer');

    // Sign out everywhere: the signed-out page; the account page asks for the QR code again.
    await page.locator('#end-all button').click();
    await page.locator('#signed-out').waitFor();
    expect(await page.locator('#signed-out').textContent()).toContain('You signed out everywhere');
    await page.locator('#sign-in-again').click();
    await page.locator('#qr svg').waitFor();
    expect(problems, problems.join("\n")).toEqual([]);
    await context.close();
  });

  it('a stale session: "You will scan again" under the button → pressing it shows the QR page → the phone approves → back at the section → pressing again makes the codes', async () => {
    const phone = new Authenticator({ keysFile: join(world.scanin.dir, 'stale-phone.json') });
    await phone.enroll(await inviteUrl(world.scanin, 'stale@example.com', 'Stale Person'), { deviceName: 'Desk phone' });
    const accountId = (await findAccountByEmail(world.scanin.services.db, 'stale@example.com'))!.id;
    const context = await world.browser.newContext({ viewport: { width: 320, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${world.scanin.issuer}/account`);
    await page.locator('#qr svg').waitFor();
    await phone.answer(await decodeScreenshot(page, await page.locator('#qr').screenshot()), 'approve');
    await page.waitForURL(`${world.scanin.issuer}/account`);
    const note = page.locator('#new-recovery-codes .fresh-scan-note');
    expect(await note.count()).toBe(0);

    await ageSignIns(world.scanin, accountId, world.scanin.config.accountFreshScan + 1);
    await page.reload();
    expect(await note.textContent()).toContain(FRESH_SCAN_NOTE);
    const before = await world.scanin.services.db('recovery_codes').where({ account_id: accountId }).orderBy('slot');
    await page.locator('#new-recovery-codes button').click();
    // The QR page of a new sign-in, for this account only; nothing was made.
    await page.locator('#qr svg').waitFor();
    expect(await world.scanin.services.db('recovery_codes').where({ account_id: accountId }).orderBy('slot')).toEqual(before);
    await phone.answer(await decodeScreenshot(page, await page.locator('#qr').screenshot()), 'approve');
    await page.waitForURL(`${world.scanin.issuer}/account#recovery`);
    expect(await note.count()).toBe(0);
    await page.locator('#new-recovery-codes button').click();
    await page.getByText('I have saved them — back to my account').waitFor();
    expect(await page.locator('code').count()).toBe(10);
    await context.close();
  });

  it('shows times in the viewer\'s time zone, naming it; the server\'s own text says UTC', async () => {
    const phone = new Authenticator({ keysFile: join(world.scanin.dir, 'zone-phone.json') });
    const { device_id: deviceId } = await phone.enroll(await inviteUrl(world.scanin, 'zone@example.com', 'Zone Person'), { deviceName: 'Old phone' });
    // Added on 15 January 2026 at 12:00 UTC: 07:00 in New York (EST), long enough ago to be a date.
    await world.scanin.services.db('devices').where({ id: deviceId }).update({ created_at: Date.UTC(2026, 0, 15, 12, 0) / 1000 });
    const context = await world.browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
    const page = await context.newPage();
    const html: string[] = [];
    page.on('response', async (response) => {
      if (response.url() === `${world.scanin.issuer}/account` && response.status() === 200) html.push(await response.text());
    });
    await page.goto(`${world.scanin.issuer}/account`);
    await page.locator('#qr svg').waitFor();
    await phone.answer(await decodeScreenshot(page, await page.locator('#qr').screenshot()), 'approve');
    await page.waitForURL(`${world.scanin.issuer}/account`);
    const added = page.locator(`#device-${deviceId} [data-field="added"] time`);
    await expect.poll(() => added.textContent()).toMatch(/^Jan 15, 2026, 07:00\sAM EST$/);
    expect(await added.getAttribute('title')).toMatch(/^Jan 15, 2026, 07:00\sAM EST$/);
    expect(await added.getAttribute('datetime')).toBe('2026-01-15T12:00:00Z');
    // "just now" needs no zone: its words stay, its title is local.
    const used = page.locator(`#device-${deviceId} [data-field="last-used"] time`);
    expect(await used.textContent()).toBe('just now');
    expect(await used.getAttribute('title')).toMatch(/ E[SD]T$/);
    // Without the script (or before it runs), the page says which zone it shows.
    expect(html.at(-1)).toContain('<time datetime="2026-01-15T12:00:00Z" title="2026-01-15 12:00 UTC">15 Jan 2026, 12:00 UTC</time>');
    await context.close();
  });
});
