// The QR codes of login and enrollment pages (src/login/qr.ts, qrMask.ts): standard symbols that
// a scanner reads back to the exact URL, with the mask the standard's penalty rules choose — the
// same symbol, bit for bit and stroke for stroke, that the `qrcode` package draws for the same
// byte-mode text.
import { randomBytes } from 'node:crypto';
import jsQRModule from 'jsqr';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrSvg } from '../../src/login/qr.ts';
import { withBestMask } from '../../src/login/qrMask.ts';
import { enrollmentUrl, loginUrl } from '../../src/protocol/urls.ts';

const jsQR = jsQRModule.default;

const ISSUERS = [
  'http://127.0.0.1:43210',
  'https://login.example.com',
  'https://sso.corp.example-company.com/scanin',
  // Long enough for version 7 and above, whose symbols carry version information blocks too.
  `https://id.example.org/${'tenant-'.repeat(14)}scanin`,
];

const newRid = () => randomBytes(16).toString('base64url');

/** The pixels of an SVG from qrSvg: `scale` pixels a module, dark strokes on white, RGBA. */
function rasterize(svg: string, scale = 4): { pixels: Uint8ClampedArray; side: number } {
  const side = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]) * scale;
  const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
  const path = /<path stroke="#000000" d="([^"]*)"/.exec(svg)![1]!;
  let [x, y] = [0, 0];
  for (const [, command, a, b] of path.matchAll(/([Mmh])(\d+(?:\.\d+)?)(?: (\d+(?:\.\d+)?))?/g)) {
    if (command === 'M') [x, y] = [Number(a), Number(b)];
    else if (command === 'm') x += Number(a);
    else {
      // A stroke one module wide, centred on y: rows y - 0.5 to y + 0.5.
      for (let px = x * scale; px < (x + Number(a)) * scale; px++) {
        for (let py = (y - 0.5) * scale; py < (y + 0.5) * scale; py++) pixels.fill(0, (py * side + px) * 4, (py * side + px) * 4 + 3);
      }
      x += Number(a);
    }
  }
  return { pixels, side };
}

describe('QR codes', () => {
  it('are the symbols the qrcode package draws for the same text, mask choice included', async () => {
    const maskOf = (url: string) => withBestMask(QRCode.create([{ data: Buffer.from(url), mode: 'byte' }], { errorCorrectionLevel: 'M', maskPattern: 0 }).modules).mask;
    // 50 URLs of each issuer, and one URL for each mask's win (some masks rarely win: searched for).
    const urls = ISSUERS.flatMap((issuer) => Array.from({ length: 50 }, () => loginUrl(issuer, newRid())));
    const winners = new Map<number, string>();
    for (let i = 0; i < 20_000 && winners.size < 8; i++) {
      const url = loginUrl(ISSUERS[i % ISSUERS.length]!, newRid());
      if (!winners.has(maskOf(url))) winners.set(maskOf(url), url);
    }
    expect([...winners.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const url of [...urls, ...winners.values()]) {
      const expected = await QRCode.toString([{ data: Buffer.from(url), mode: 'byte' }], { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
      expect(qrSvg(url)).toBe(expected);
    }
  });

  it('read back to the exact URL with a scanner (jsQR), logins and enrollments, short and long issuers', () => {
    for (const issuer of ISSUERS) {
      for (const url of [loginUrl(issuer, newRid()), enrollmentUrl(issuer, newRid()), loginUrl(issuer, `${newRid()}${newRid()}`)]) {
        const { pixels, side } = rasterize(qrSvg(url));
        expect(jsQR(pixels, side, side)?.data).toBe(url);
      }
    }
  });

  it('keep the four-module quiet zone on every side', () => {
    const svg = qrSvg(loginUrl(ISSUERS[1]!, newRid()));
    const side = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]);
    const { pixels } = rasterize(svg, 1);
    const dark = (x: number, y: number) => pixels[(y * side + x) * 4] === 0;
    for (let a = 0; a < side; a++) {
      for (let edge = 0; edge < 4; edge++) {
        expect([dark(a, edge), dark(a, side - 1 - edge), dark(edge, a), dark(side - 1 - edge, a)]).toEqual([false, false, false, false]);
      }
    }
    // …and nothing less: the finder pattern's corner starts right after it.
    expect(dark(4, 4)).toBe(true);
  });
});
