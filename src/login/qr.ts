// QR codes as inline SVG, so the page needs no image requests and no inline script. The margin
// is the four-module quiet zone the QR standard asks for: scanners find the code faster.
import QRCode from 'qrcode';

export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}
