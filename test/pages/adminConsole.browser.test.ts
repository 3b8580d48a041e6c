// The admin console in headless Chromium: entered by scanning the sign-in QR code read from a
// screenshot, then used with the keyboard alone (Tab to a link or field, Enter), under the pages'
// CSP with no error in the console; every page passes axe-core's WCAG 2 A/AA rules; the audit
// log's CSV export downloads. axe runs in a second context that bypasses the CSP only to inject it.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/authenticator/authenticator.ts';
import { findAccountByEmail } from '../../src/store/accounts.ts';
import { findGroupByName, groupsOf } from '../../src/store/groups.ts';
import { makeAdmin } from '../admin/adminBrowser.ts';
import { useChromiumWithScanin } from '../helpers/chromiumWithScanin.ts';
import { inviteUrl } from '../helpers/login.ts';
import { decodeScreenshot } from '../helpers/qrImages.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Presses Tab until the element with `id` has the focus (at most `limit` times); fails if it never does. */
async function tabTo(page: Page, id: string, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
  }
  throw new Error(`Tab never reached #${id}`);
}

describe('the admin console in Chromium', () => {
  const world = useChromiumWithScanin();

  it('QR from a screenshot → the console; keyboard only: a group made, a member added, an account disabled; axe finds nothing; CSV downloads', async () => {
    const phone = new Authenticator({ keysFile: join(world.scanin.dir, 'admin-phone.json') });
    await phone.enroll(await inviteUrl(world.scanin, 'admin@example.com', 'Ada Admin'));
    await makeAdmin(world.scanin, 'admin@example.com');
    await new Authenticator({ keysFile: join(world.scanin.dir, 'eve.json') }).enroll(await inviteUrl(world.scanin, 'eve@example.com', 'Eve'));

    const context = await world.browser.newContext({ viewport: { width: 1024, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${message.text()} ${message.location().url}`);
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${world.scanin.issuer}/admin`);
    await page.locator('#qr svg').waitFor();
    await phone.answer(await decodeScreenshot(page, await page.locator('#qr').screenshot()), 'approve');
    await page.waitForURL(`${world.scanin.issuer}/admin/users`);
    expect(await page.locator('h1').textContent()).toBe('Users');
    expect(await page.locator('#users tbody tr').count()).toBe(2);

    // The keyboard alone: Tab to the Groups link, Enter; Tab to the name field, type, Enter.
    await tabTo(page, 'nav-groups');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${world.scanin.issuer}/admin/groups`);
    await tabTo(page, 'group-name');
    await page.keyboard.type('Night Shift');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/admin\/groups\/[A-Za-z0-9_-]+\?done=created$/);
    expect(await page.locator('#group-name').textContent()).toBe('Night Shift');
    await tabTo(page, 'member-email');
    await page.keyboard.type('eve@example.com');
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=member_added#members$/);
    expect(await page.locator('#done').textContent()).toBe('The member was added.');
    const eve = (await findAccountByEmail(world.scanin.services.db, 'eve@example.com'))!;
    expect(await groupsOf(world.scanin.services.db, eve.id, world.scanin.services.clock())).toEqual(['Night Shift']);
    // A destructive action sits behind a disclosure, opened and used from the keyboard too.
    await page.goto(`${world.scanin.issuer}/admin/users/${eve.id}`);
    expect(await page.locator('#disable-button').isVisible()).toBe(false);
    await tabTo(page, 'disable-summary');
    await page.keyboard.press('Enter');
    await tabTo(page, 'disable-button', 3);
    await page.keyboard.press('Enter');
    await page.waitForURL(/done=disabled$/);
    expect(await page.locator('[data-field="status"]').first().textContent()).toMatch(/^disabled since/);
    // The focus is visible where it lands: the browser's ring is not turned off.
    await tabTo(page, 'nav-users');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');

    // The audit log's export is a download of CSV.
    await page.goto(`${world.scanin.issuer}/admin/audit?event=admin`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
    expect(download.suggestedFilename()).toMatch(/^scanin-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('time,event,account_id,device_id,ip,client_id,detail');
    expect(csv).toContain('admin.group_created');
    expect(csv).toContain('admin.group_member_added');
    expect(problems).toEqual([]);

    // axe-core's WCAG 2 A and AA rules on every kind of console page, light and dark.
    const axeContext = await world.browser.newContext({ bypassCSP: true, viewport: { width: 1024, height: 800 } });
    await axeContext.addCookies(await context.cookies());
    const axePage = await axeContext.newPage();
    const group = (await findGroupByName(world.scanin.services.db, 'Night Shift'))!;
    for (const path of ['/admin/users', `/admin/users/${eve.id}`, '/admin/groups', `/admin/groups/${group.id}`, '/admin/clients', '/admin/clients/test-third-party', '/admin/sessions', '/admin/audit']) {
      await axePage.goto(`${world.scanin.issuer}${path}`);
      expect(axePage.url(), path).toBe(`${world.scanin.issuer}${path}`);
      await axePage.addScriptTag({ path: AXE });
      for (const scheme of ['light', 'dark'] as const) {
        await axePage.emulateMedia({ colorScheme: scheme });
        const violations = await axePage.evaluate(async () => {
          const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; nodes: Array<{ html: string }> }> }> } }).axe;
          const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
          return result.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.html.slice(0, 120)).join(' | ')}`);
        });
        expect(violations, `${path} ${scheme}`).toEqual([]);
      }
    }
    await axeContext.close();
    await context.close();
  });
});
