// QR codes as pictures, for the tests that make a browser read one: decoding a screenshot (what
// a phone's camera would see of the desktop), and a .y4m video of a QR code for Chromium's fake
// camera (--use-file-for-fake-video-capture).
import { writeFileSync } from 'node:fs';
import jsQRModule from 'jsqr';
import type { Page } from 'playwright-core';
import QRCode from 'qrcode';

const jsQR = jsQRModule.default;

/** The text of the QR code in a PNG screenshot; the pixels are read by `page`'s own canvas. */
export async function decodeScreenshot(page: Page, png: Buffer): Promise<string> {
  const { width, height, pixels } = await page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [image.naturalWidth, image.naturalHeight];
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    return { width: canvas.width, height: canvas.height, pixels: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data) };
  }, png.toString('base64'));
  const code = jsQR(Uint8ClampedArray.from(pixels), width, height);
  if (!code) throw new Error('no QR code found in the screenshot');
  return code.data;
}

/**
 * A one-frame YUV4MPEG2 video (640×480, 4:2:0) showing `text` as a black-on-white QR code, as a
 * camera held to the screen would see it (`null`: nothing but a dim grey). Chromium loops it.
 */
export function writeQrVideo(file: string, text: string | null): void {
  const [width, height] = [640, 480];
  const qr = QRCode.create(text ?? ' ', { errorCorrectionLevel: 'M' });
  const size = text === null ? 0 : qr.modules.size;
  const scale = Math.floor(400 / (size + 8));
  const left = Math.floor((width - size * scale) / 2);
  const top = Math.floor((height - size * scale) / 2);
  const luma = Buffer.alloc(width * height, text === null ? 70 : 255);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!qr.modules.get(row, col)) continue;
      for (let y = 0; y < scale; y++) luma.fill(0, (top + row * scale + y) * width + left + col * scale, (top + row * scale + y) * width + left + (col + 1) * scale);
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`, 'ascii'), luma, chroma, chroma]));
}
