// The text fields of the sign-up and recovery pages in Chromium, light and dark: styled like the
// rest of Scanin's pages (full width, a 44 px target, the page's font and colours, not the
// browser's default box), with AA contrast: axe-core's color-contrast rule for the texts, and
// 4.5:1 for a field's own text and placeholder and 3:1 for its border (WCAG 1.4.11) measured here.
// The context bypasses the pages' CSP only so that the test can inject axe.
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium.ts';
import { authorizationRequest, discover } from '../helpers/rp.ts';
import { startTestScanin, type TestScanin } from '../helpers/scanin.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let browser: Browser;
let scanin: TestScanin;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  scanin = await startTestScanin({ env: { SIGNUP: 'open' } });
  page = await (await browser.newContext({ bypassCSP: true, viewport: { width: 420, height: 800 } })).newPage();
});

afterAll(async () => {
  await browser?.close();
  await scanin?.close();
});

type Field = { name: string; width: number; formWidth: number; height: number; radius: string; sameFont: boolean; text: number; placeholder: number; border: number };

/** Each text field's box, and its contrast against the card behind it (WCAG's luminance ratio). */
function fields(): Promise<Field[]> {
  return page.evaluate(() => {
    const rgb = (color: string) => (/rgba?\(([^)]+)\)/.exec(color)?.[1] ?? '0,0,0').split(',').slice(0, 3).map(Number);
    const luminance = (color: string) => {
      const [r, g, b] = rgb(color).map((channel) => {
        const c = channel / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const ratio = (a: string, b: string) => {
      const [x, y] = [luminance(a), luminance(b)];
      return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
    };
    const card = getComputedStyle(document.querySelector('main.card')!).backgroundColor;
    return Array.from(document.querySelectorAll<HTMLInputElement>('form input:not([type=hidden])')).map((input) => {
      const style = getComputedStyle(input);
      return {
        name: input.name,
        width: input.getBoundingClientRect().width,
        formWidth: input.form!.getBoundingClientRect().width,
        height: input.getBoundingClientRect().height,
        radius: style.borderRadius,
        sameFont: style.fontFamily === getComputedStyle(document.body).fontFamily,
        text: ratio(style.color, card),
        placeholder: ratio(getComputedStyle(input, '::placeholder').color, card),
        border: ratio(style.borderTopColor, card),
      };
    });
  });
}

/** Each text axe finds below AA, with its ratio. */
async function axeViolations(): Promise<unknown[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ nodes: Array<{ html: string; any: Array<{ data?: { contrastRatio?: number } }> }> }> }> } }).axe.run(document, {
    runOnly: { type: 'rule', values: ['color-contrast'] },
  }));
  return result.violations.flatMap((violation) => violation.nodes.map((node) => `${node.html.slice(0, 100)}: ${node.any[0]?.data?.contrastRatio}`));
}

describe('the sign-up and recovery forms', () => {
  it.each([['sign-up', 'signup', ['email', 'name']], ['recovery', 'recovery', ['email', 'code']]])('%s: fields styled like the pages, AA contrast in light and dark', async (_page, path, names) => {
    await page.goto((await authorizationRequest(await discover(scanin.issuer))).url);
    await page.locator('#qr').waitFor();
    await page.goto(`${page.url()}/${path}`);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const shown = await fields();
      expect(shown.map((field) => field.name)).toEqual(names);
      for (const field of shown) {
        expect({ scheme, ...field }).toMatchObject({ width: field.formWidth, radius: '8px', sameFont: true });
        expect(field.height, `${scheme} ${field.name}: height`).toBeGreaterThanOrEqual(44);
        expect(field.text, `${scheme} ${field.name}: text contrast`).toBeGreaterThanOrEqual(4.5);
        expect(field.placeholder, `${scheme} ${field.name}: placeholder contrast`).toBeGreaterThanOrEqual(4.5);
        expect(field.border, `${scheme} ${field.name}: border contrast`).toBeGreaterThanOrEqual(3);
      }
      expect(await axeViolations(), scheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
