// Page titles, as a browser's tab shows them: each page names Scanin once ("Sign up · Scanin",
// "Bind your phone to Scanin"), never "Scanin · Scanin". The walk visits the pages a person meets
// before, during and after a sign-in; every view takes its title from views/partials/head.ejs.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { newInvite } from '../helpers/device.ts';
import { authorizationRequest, discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';
import { enrollmentUrl } from '../../src/protocol/urls.ts';

let browser: Browser;
let scanin: TestScanin;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  scanin = await startTestScanin({ env: { SIGNUP: 'open' } });
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

/** The title of the page `path` leads to, after its redirects. */
async function titleAt(path: string): Promise<string> {
  await page.goto(path.startsWith('http') ? path : `${scanin.issuer}${path}`);
  return page.title();
}

const namesOfScanin = (title: string) => title.match(/Scanin/g)?.length ?? 0;

describe('page titles', () => {
  it('name Scanin exactly once on every page', async () => {
    const config = await discover(scanin.issuer);
    const invite = await newInvite(scanin, 'titles@example.com');
    const titles: Record<string, string> = {
      home: await titleAt('/'),
      notFound: await titleAt('/no/such/page'),
      signInCode: await titleAt('/q/AAAAAAAAAAAAAAAAAAAAAA'),
      invite: await titleAt(enrollmentUrl(scanin.issuer, invite.eid)),
      usedInvite: await titleAt('/e/AAAAAAAAAAAAAAAAAAAAAA'),
      signIn: await titleAt((await authorizationRequest(config)).url),
    };
    const signInPage = page.url();
    titles.signUp = await titleAt(`${new URL(signInPage).pathname}/signup`);
    titles.recovery = await titleAt(`${new URL(signInPage).pathname}/recovery`);
    Object.assign(titles, {
      account: await titleAt('/account'),
      signOut: await titleAt('/session/end'),
      deviceCode: await titleAt('/activate'),
    });
    for (const [page, title] of Object.entries(titles)) expect({ page, names: namesOfScanin(title) }).toEqual({ page, names: 1 });
    // The ones that say it themselves keep their words; the rest say it after a dot.
    expect(titles).toMatchObject({ home: 'Scanin', signInCode: 'Scanin sign-in code', invite: 'Bind your phone to Scanin', signIn: 'Sign in to Test App · Scanin', account: 'Sign in to your Scanin account' });
  });
});
