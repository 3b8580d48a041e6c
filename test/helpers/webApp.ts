// The web app at /app/ in a Chromium page, as a person uses it.
import type { Page } from 'playwright-core';
import { enrollmentUrl } from '../../src/protocol/urls.ts';
import { newInvite } from './device.ts';
import type { TestScanin } from './scanin.ts';

/** An invite for `email` opened on the phone, enrolled in the app with the name it proposes. */
export async function enrollInWebApp(app: Page, scanin: TestScanin, email: string): Promise<void> {
  const invite = await newInvite(scanin, email);
  await app.goto(enrollmentUrl(scanin.issuer, invite.eid));
  await app.locator('#open-in-app').tap();
  await app.locator('#enroll').tap();
  await app.locator('#result-title').waitFor();
}
