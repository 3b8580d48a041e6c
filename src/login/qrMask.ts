// The data mask of a QR code, chosen as the standard says (ISO/IEC 18004 §7.8): each of the eight
// masks is applied and scored for the features that trouble scanners (runs of one colour, 2×2
// blocks, finder-like 1:1:3:1:1 patterns, a dark/light imbalance), and the lowest score wins.
// The rules and weights are those of the `qrcode` package, so the choice is the one it makes
// (test/login/qr.test.ts holds the two to the same symbols); only the arithmetic is cheaper: a
// flat array, each mask's pattern computed once per symbol size, no call per module. The
// package's own search took ~0.3 ms of every login page, most of the QR code's cost.
import type { BitMatrix } from 'qrcode';

/** Which modules each mask turns over (i = row, j = column), ISO/IEC 18004 table 10. */
const MASKS: ReadonlyArray<(i: number, j: number) => boolean> = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
];

/** The 15 format bits for error correction level M (bits 00) and each mask: BCH(15,5), then XOR 0x5412. */
const FORMAT_BITS_M = MASKS.map((_, mask) => {
  const G15 = 0b10100110111;
  const data = (0b00 << 3) | mask;
  let remainder = data << 10;
  for (let bit = 14; bit >= 10; bit--) if (remainder & (1 << bit)) remainder ^= G15 << (bit - 10);
  return ((data << 10) | remainder) ^ 0b101010000010010;
});

/** The format bits' places (row, column), twice over, as the standard lays them out. */
function setFormatBits(data: Uint8Array, size: number, bits: number): void {
  for (let i = 0; i < 15; i++) {
    const bit = (bits >> i) & 1;
    const row = i < 6 ? i : i < 8 ? i + 1 : size - 15 + i;
    data[row * size + 8] = bit;
    const col = i < 8 ? size - i - 1 : i < 9 ? 15 - i : 14 - i;
    data[8 * size + col] = bit;
  }
  data[(size - 8) * size + 8] = 1; // the dark module
}

/** Each mask's modules for a symbol's layout (its function patterns are never masked), by size. */
const maskCache = new Map<number, Uint8Array[]>();

function masksFor(size: number, reserved: Uint8Array): Uint8Array[] {
  let masks = maskCache.get(size);
  if (!masks) {
    masks = MASKS.map((turns) => {
      const mask = new Uint8Array(size * size);
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) mask[i * size + j] = !reserved[i * size + j] && turns(i, j) ? 1 : 0;
      return mask;
    });
    maskCache.set(size, masks);
  }
  return masks;
}

/** The standard's penalty score of a finished symbol (the `qrcode` package's N1 to N4). */
export function penalty(data: Uint8Array, size: number): number {
  let runs = 0;
  let finderLike = 0;
  for (let a = 0; a < size; a++) {
    let rowRun = 0;
    let colRun = 0;
    let rowLast = -1;
    let colLast = -1;
    let rowBits = 0;
    let colBits = 0;
    for (let b = 0; b < size; b++) {
      const inRow = data[a * size + b]!;
      const inCol = data[b * size + a]!;
      if (inRow === rowLast) rowRun++;
      else {
        if (rowRun >= 5) runs += 3 + rowRun - 5;
        rowLast = inRow;
        rowRun = 1;
      }
      if (inCol === colLast) colRun++;
      else {
        if (colRun >= 5) runs += 3 + colRun - 5;
        colLast = inCol;
        colRun = 1;
      }
      rowBits = ((rowBits << 1) & 0x7ff) | inRow;
      colBits = ((colBits << 1) & 0x7ff) | inCol;
      if (b >= 10 && (rowBits === 0x5d0 || rowBits === 0x05d)) finderLike++;
      if (b >= 10 && (colBits === 0x5d0 || colBits === 0x05d)) finderLike++;
    }
    if (rowRun >= 5) runs += 3 + rowRun - 5;
    if (colRun >= 5) runs += 3 + colRun - 5;
  }
  let blocks = 0;
  for (let i = 0; i < size - 1; i++) {
    for (let j = 0; j < size - 1; j++) {
      const sum = data[i * size + j]! + data[i * size + j + 1]! + data[(i + 1) * size + j]! + data[(i + 1) * size + j + 1]!;
      if (sum === 0 || sum === 4) blocks++;
    }
  }
  let dark = 0;
  for (let k = 0; k < data.length; k++) dark += data[k]!;
  const imbalance = Math.abs(Math.ceil((dark * 100) / data.length / 5) - 10);
  return runs + blocks * 3 + finderLike * 40 + imbalance * 10;
}

/**
 * The symbol with its best mask, from `modules` as `qrcode` made them with mask 0 at error
 * correction level M: the mask is taken off, and each of the eight tried with its format bits.
 */
export function withBestMask(modules: BitMatrix): { mask: number; data: Uint8Array } {
  const { size, reservedBit } = modules;
  const masks = masksFor(size, reservedBit);
  const cells = size * size;
  const unmasked = new Uint8Array(cells);
  for (let k = 0; k < cells; k++) unmasked[k] = modules.data[k]! ^ masks[0]![k]!;
  let best = { mask: 0, data: unmasked, score: Infinity };
  for (let mask = 0; mask < masks.length; mask++) {
    const turns = masks[mask]!;
    const candidate = new Uint8Array(cells);
    for (let k = 0; k < cells; k++) candidate[k] = unmasked[k]! ^ turns[k]!;
    setFormatBits(candidate, size, FORMAT_BITS_M[mask]!);
    const score = penalty(candidate, size);
    if (score < best.score) best = { mask, data: candidate, score };
  }
  return { mask: best.mask, data: best.data };
}
