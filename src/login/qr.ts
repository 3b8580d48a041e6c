// QR codes as inline SVG, so the page needs no image requests and no inline script. The margin
// is the four-module quiet zone the QR standard asks for: scanners find the code faster.
//
// Made on every login page, so made cheaply: the text is one byte-mode segment (a login URL is
// mixed-case, and the package's search for the optimal mix of modes found the same symbol
// version for 99.6% of them while costing ~0.2 ms), the mask is chosen by qrMask.ts, and the path
// is drawn straight from the modules: one horizontal stroke per run of dark modules in a row.
import QRCode from 'qrcode';
import { withBestMask } from './qrMask.ts';

const MARGIN = 4;

/** The SVG path of the dark modules, each row's runs as strokes half a module below its top. */
function darkModulesPath(data: Uint8Array, size: number): string {
  let path = '';
  for (let row = 0; row < size; row++) {
    let lastEnd = -1; // where the row's previous run ended, -1 before the first
    for (let col = 0; col < size; col++) {
      if (!data[row * size + col]) continue;
      const start = col;
      while (col < size && data[row * size + col]) col++;
      path += lastEnd < 0 ? `M${start + MARGIN} ${row + MARGIN + 0.5}` : `m${start - lastEnd} 0`;
      path += `h${col - start}`;
      lastEnd = col;
    }
  }
  return path;
}

export function qrSvg(text: string): string {
  const { modules } = QRCode.create([{ data: Buffer.from(text), mode: 'byte' }], { errorCorrectionLevel: 'M', maskPattern: 0 });
  const { data } = withBestMask(modules);
  const side = modules.size + 2 * MARGIN;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">` +
    `<path fill="#ffffff" d="M0 0h${side}v${side}H0z"/><path stroke="#000000" d="${darkModulesPath(data, modules.size)}"/></svg>\n`
  );
}
