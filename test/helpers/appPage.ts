// A Chromium page for a sign-in that ends at the test app: its CSP violations, console errors and
// uncaught exceptions are collected, and the app's /callback (RP_REDIRECT, where nothing listens)
// is answered by the browser itself with a page whose #app says it arrived.
import type { BrowserContext, Page } from 'playwright-core';
import { RP_REDIRECT } from './scanin.ts';

export async function watchedAppPage(context: BrowserContext, appName = 'Test App'): Promise<{ page: Page; problems: string[]; callbacks: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  const callbacks: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.route(`${new URL(RP_REDIRECT).origin}/**`, async (route) => {
    callbacks.push(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: `<!doctype html><title>${appName}</title><p id="app">Back at the app.</p>` });
  });
  return { page, problems, callbacks };
}
