// Bytes to text for what devices send: UTF-8 only. Invalid sequences are refused rather than
// turned into U+FFFD, so what the server stores is exactly what the device signed.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text, or null when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}
