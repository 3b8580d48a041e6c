// Reading a QR code from the camera: getUserMedia (the back camera when there is one), decoded
// by the browser's BarcodeDetector where it has one for QR codes, else by jsQR on canvas frames
// (jsqr.js, loaded only then).
import type jsQRModule from 'jsqr';

type JsQR = typeof jsQRModule.default;

type Detector = { detect(source: CanvasImageSource): Promise<Array<{ rawValue: string }>> };
type DetectorClass = { new (options: { formats: string[] }): Detector; getSupportedFormats(): Promise<string[]> };

async function nativeDetector(): Promise<Detector | null> {
  const Native = (globalThis as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (!Native) return null;
  try {
    return (await Native.getSupportedFormats()).includes('qr_code') ? new Native({ formats: ['qr_code'] }) : null;
  } catch {
    return null;
  }
}

let jsQRLoaded: Promise<JsQR> | undefined;

function loadJsQR(): Promise<JsQR> {
  jsQRLoaded ??= new Promise<JsQR>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = 'jsqr.js';
    script.onload = () => resolve((globalThis as unknown as { scaninJsQR: JsQR }).scaninJsQR);
    script.onerror = () => {
      jsQRLoaded = undefined;
      reject(new Error('The QR decoder could not be loaded. Paste the link instead.'));
    };
    document.head.append(script);
  });
  return jsQRLoaded;
}

export type Scanner = { stop(): void; decoder: 'BarcodeDetector' | 'jsQR' };

/**
 * Shows the camera in `video` and calls `found` once with the first QR code's text. Throws a
 * readable error when there is no camera or the user refuses it.
 */
export async function startScanner(video: HTMLVideoElement, found: (text: string) => void): Promise<Scanner> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser cannot use the camera here (it needs https). Paste the link instead.');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false });
  } catch (error) {
    const name = (error as DOMException).name;
    throw new Error(name === 'NotAllowedError' ? 'The camera was not allowed. Allow it in the browser’s site settings, or paste the link instead.' : 'No camera could be opened. Paste the link instead.');
  }
  video.srcObject = stream;
  video.setAttribute('playsinline', '');
  video.muted = true;
  await video.play();

  const detector = await nativeDetector();
  const jsQR = detector ? null : await loadJsQR().catch((error: unknown) => {
    for (const track of stream.getTracks()) track.stop();
    throw error;
  });
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  let stopped = false;
  const stop = () => {
    stopped = true;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };

  async function decode(): Promise<string | null> {
    if (video.readyState < 2 || !video.videoWidth) return null;
    if (detector) return (await detector.detect(video))[0]?.rawValue ?? null;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR!(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
  }

  const tick = async () => {
    if (stopped) return;
    const text = await decode().catch(() => null);
    if (text && !stopped) {
      stop();
      found(text);
      return;
    }
    setTimeout(tick, 150);
  };
  void tick();
  return { stop, decoder: detector ? 'BarcodeDetector' : 'jsQR' };
}
