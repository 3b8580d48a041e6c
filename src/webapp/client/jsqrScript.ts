// Entry of jsqr.js, a bundle of its own: jsQR is most of the app's weight and only phones without
// BarcodeDetector need it, so the scanner loads it on demand (src/webapp/client/scanner.ts).
import jsQRModule from 'jsqr';

// jsQR is CommonJS: its function is both module.exports and its `default`.
(globalThis as unknown as { scaninJsQR: typeof jsQRModule.default }).scaninJsQR = jsQRModule.default;
