// The Chromium the page tests drive: CHROMIUM_PATH, else Debian's, else one Playwright keeps in
// its cache. Without one, launching fails the suite with one line saying how to get it; a page
// test is never skipped in silence.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
/** Where a Playwright install keeps its executables, under each `<browser>-<revision>/` folder. */
const PLAYWRIGHT_EXECUTABLES = [
  'chrome-linux/chrome',
  'chrome-linux64/chrome',
  'chrome-linux/headless_shell',
  'chrome-headless-shell-linux64/chrome-headless-shell',
];
/** As root Chromium needs --no-sandbox; the rest keep it off this machine's closed network. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Env = Record<string, string | undefined>;

function playwrightCache(env: Env): string[] {
  const root = env.PLAYWRIGHT_BROWSERS_PATH || join(env.HOME || homedir(), '.cache', 'ms-playwright');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^chromium(_headless_shell)?-\d+$/.test(name))
    .sort()
    .reverse()
    .flatMap((folder) => PLAYWRIGHT_EXECUTABLES.map((executable) => join(root, folder, executable)));
}

/** The Chromium executable to use; throws one line saying how to get one when there is none. */
export function findChromium(env: Env = process.env, system: string[] = SYSTEM_CHROMIUM): string {
  if (env.CHROMIUM_PATH) {
    if (existsSync(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
    throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist: point it at a Chromium executable, or unset it to use /usr/bin/chromium`);
  }
  const found = [...system, ...playwrightCache(env)].find((candidate) => existsSync(candidate));
  if (found) return found;
  throw new Error('no Chromium for the page tests: install Debian\'s ("apt-get install chromium") or set CHROMIUM_PATH to a Chromium executable');
}

/** `extraArgs`, e.g. a fake camera: `--use-fake-device-for-media-stream`. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  let executablePath: string;
  try {
    executablePath = findChromium();
  } catch (error) {
    // The message says all there is to say: no stack under it.
    (error as Error).stack = `Error: ${(error as Error).message}`;
    throw error;
  }
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A phone for browser contexts: mobile viewport, touch, and an Android Chrome's user agent. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
};

/**
 * A desktop page on its way to the test app: console errors and page errors are collected in
 * `problems`, and the browser answers any visit to `appOrigin` itself with a blank page, so
 * `callback` resolves with the first URL the sign-in sent it back to (the code, the state).
 */
export async function openPageBeforeApp(browser: Browser, appOrigin: string) {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  let reached: (url: string) => void;
  const callback = new Promise<string>((resolve) => (reached = resolve));
  await page.route(`${appOrigin}/**`, async (route) => {
    reached(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Test App</title>' });
  });
  return { context, page, problems, callback };
}
