// Headless Chromium and a Scanin for the calling describe block: started before its tests,
// closed after them. Read them in tests as `world.browser` and `world.scanin`.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './chromium.ts';
import { startTestScanin, type TestScanin } from './scanin.ts';

export function useChromiumWithScanin(): { readonly browser: Browser; readonly scanin: TestScanin } {
  let browser: Browser | undefined;
  let scanin: TestScanin | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    scanin = await startTestScanin();
  });
  afterAll(async () => {
    await browser?.close();
    await scanin?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useChromiumWithScanin: read it inside a test, once beforeAll has run');
    return value;
  };
  return {
    get browser() { return started(browser); },
    get scanin() { return started(scanin); },
  };
}
