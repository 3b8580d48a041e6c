// The camera screen: the first QR code seen opens like a pasted link.
import { go, h, openHash, show } from '../dom.ts';
import { startScanner, type Scanner } from '../scanner.ts';
import { pasteForm } from './home.ts';

let current: Scanner | null = null;

/** Called on every screen change: the camera is on only while this screen shows. */
export function stopScanning(): void {
  current?.stop();
  current = null;
}

export async function scanScreen(): Promise<void> {
  const video = h('video', { class: 'camera', 'aria-label': 'Camera view' });
  const status = h('p', { class: 'status', role: 'status', id: 'scan-status' }, 'Starting the camera…');
  show(
    h('h1', {}, 'Scan a QR code'),
    h('div', { class: 'camera-frame' }, video),
    status,
    pasteForm(),
    h('a', { class: 'button', href: '#/' }, 'Back to accounts'),
  );
  try {
    const scanner = await startScanner(video, (text) => {
      current = null;
      go(openHash(text));
    });
    // The user may have left this screen while the camera was starting: then it stops at once.
    if (!video.isConnected) return scanner.stop();
    current = scanner;
    status.textContent = 'Point the camera at the QR code.';
    status.dataset.decoder = scanner.decoder;
  } catch (error) {
    status.textContent = (error as Error).message;
  }
}
